// Every SQL statement and PL/SQL block the import step runs, in one file a DBA can review.
// All values are bind variables. A Data Pump handle is valid only in the session that obtained
// it, so one connection is kept from OPEN/ATTACH to DETACH (src/oracle/datapump-session.ts).
// The job is always owned by the connecting admin user (SESSION_USER).

/** Is there a job of ours with this name (running, or stopped with its master table kept)? */
export const SQL_FIND_JOB = `
SELECT j.owner_name, j.job_name, j.operation, j.job_mode, j.state, j.degree, j.attached_sessions
  FROM dba_datapump_jobs j
 WHERE j.owner_name = SYS_CONTEXT('USERENV', 'SESSION_USER')
   AND j.job_name = :job_name`;

/** Define a new import job. Detaching before START_JOB drops it again (ORA-39012 is expected then). */
export const PLSQL_OPEN = `
BEGIN
  :handle := DBMS_DATAPUMP.OPEN(operation => 'IMPORT', job_mode => :job_mode, job_name => :job_name);
END;`;

/** Attach to an existing job of ours: running (to watch it) or stopped (to restart it). */
export const PLSQL_ATTACH = `
BEGIN
  :handle := DBMS_DATAPUMP.ATTACH(job_name => :job_name, job_owner => SYS_CONTEXT('USERENV', 'SESSION_USER'));
END;`;

export const PLSQL_ADD_DUMP_FILE = `
BEGIN
  DBMS_DATAPUMP.ADD_FILE(handle => :handle, filename => :filename, directory => :directory,
                         filetype => DBMS_DATAPUMP.KU$_FILE_TYPE_DUMP_FILE);
END;`;

/** reusefile => 1: a re-run overwrites the previous attempt's log (a restart appends to it). */
export const PLSQL_ADD_LOG_FILE = `
BEGIN
  DBMS_DATAPUMP.ADD_FILE(handle => :handle, filename => :filename, directory => :directory,
                         filetype => DBMS_DATAPUMP.KU$_FILE_TYPE_LOG_FILE, reusefile => 1);
END;`;

/** REMAP_SCHEMA / REMAP_TABLESPACE. */
export const PLSQL_METADATA_REMAP = `
BEGIN
  DBMS_DATAPUMP.METADATA_REMAP(handle => :handle, name => :name, old_value => :old_value, value => :value);
END;`;

/** EXCLUDE / INCLUDE: EXCLUDE_PATH_EXPR, INCLUDE_PATH_EXPR, NAME_EXPR, EXCLUDE_NAME_EXPR, SCHEMA_EXPR. */
export const PLSQL_METADATA_FILTER = `
BEGIN
  DBMS_DATAPUMP.METADATA_FILTER(handle => :handle, name => :name, value => :value, object_path => :object_path);
END;`;

/** TRANSFORM with a numeric value (Y/N as 1/0): DISABLE_ARCHIVE_LOGGING, SEGMENT_ATTRIBUTES, ... */
export const PLSQL_METADATA_TRANSFORM_NUMBER = `
BEGIN
  DBMS_DATAPUMP.METADATA_TRANSFORM(handle => :handle, name => :name, value => TO_NUMBER(:value), object_type => :object_type);
END;`;

/** TRANSFORM with a text value: LOB_STORAGE, TABLE_COMPRESSION_CLAUSE, ... */
export const PLSQL_METADATA_TRANSFORM_TEXT = `
BEGIN
  DBMS_DATAPUMP.METADATA_TRANSFORM(handle => :handle, name => :name, value => :value, object_type => :object_type);
END;`;

/** Numeric parameters: METRICS, SKIP_UNUSABLE_INDEXES (1/0). */
export const PLSQL_SET_PARAMETER_NUMBER = `
BEGIN
  DBMS_DATAPUMP.SET_PARAMETER(handle => :handle, name => :name, value => TO_NUMBER(:value));
END;`;

/** Text parameters: TABLE_EXISTS_ACTION, LOGTIME, PARTITION_OPTIONS. */
export const PLSQL_SET_PARAMETER_TEXT = `
BEGIN
  DBMS_DATAPUMP.SET_PARAMETER(handle => :handle, name => :name, value => :value);
END;`;

export const PLSQL_SET_PARALLEL = `
BEGIN
  DBMS_DATAPUMP.SET_PARALLEL(handle => :handle, degree => :degree);
END;`;

/** Starts a defined job, or resumes a stopped one (restart "with no data loss", master table intact). */
export const PLSQL_START_JOB = `
BEGIN
  DBMS_DATAPUMP.START_JOB(handle => :handle, skip_current => :skip_current);
END;`;

/**
 * keep_master => 0 with immediate => 1 is KILL_JOB: the job and its master table are dropped.
 * (The bind is not called :immediate: IMMEDIATE is an Oracle reserved word.)
 */
export const PLSQL_STOP_JOB = `
BEGIN
  DBMS_DATAPUMP.STOP_JOB(handle => :handle, immediate => :stop_immediately, keep_master => :keep_master);
END;`;

/** Leaves a started job running without us. */
export const PLSQL_DETACH = `
BEGIN
  DBMS_DATAPUMP.DETACH(handle => :handle);
END;`;

/**
 * One status call: job state and figures, the busiest worker's current object, and the new log
 * text (work-in-progress and error entries) as one CLOB of lines. GET_STATUS itself waits up to
 * :wait_seconds for news (it returns as soon as log entries arrive; 0 = at once; the wait is
 * ignored in COMPLETING and COMPLETED). Once the job is COMPLETED its handle is invalid: the next
 * call raises ORA-31623 (invalid_handle), which the engine reads as "finished, see the log".
 */
export const PLSQL_GET_STATUS = `
DECLARE
  l_state  VARCHAR2(30);
  l_status ku$_Status;
  l_js     ku$_JobStatus;
  l_log    CLOB;
  l_rows   NUMBER := 0;
  l_best   NUMBER := -1;
  PROCEDURE add_lines(entries ku$_LogEntry) IS
  BEGIN
    IF entries IS NOT NULL THEN
      FOR i IN 1 .. entries.COUNT LOOP
        l_log := l_log || entries(i).LogText || CHR(10);
      END LOOP;
    END IF;
  END;
BEGIN
  DBMS_DATAPUMP.GET_STATUS(handle => :handle,
                           mask => DBMS_DATAPUMP.KU$_STATUS_JOB_STATUS
                                 + DBMS_DATAPUMP.KU$_STATUS_JOB_ERROR
                                 + DBMS_DATAPUMP.KU$_STATUS_WIP,
                           timeout => :wait_seconds, job_state => l_state, status => l_status);
  :state := l_state;
  l_js := l_status.job_status;
  IF l_js IS NOT NULL THEN
    :percent_done    := l_js.percent_done;
    :bytes_processed := l_js.bytes_processed;
    :total_bytes     := l_js.total_bytes;
    :error_count     := l_js.error_count;
    :phase           := l_js.phase;
    :degree          := l_js.degree;
    IF l_js.worker_status_list IS NOT NULL THEN
      FOR i IN 1 .. l_js.worker_status_list.COUNT LOOP
        l_rows := l_rows + NVL(l_js.worker_status_list(i).completed_rows, 0);
        IF NVL(l_js.worker_status_list(i).completed_bytes, 0) > l_best THEN
          l_best := NVL(l_js.worker_status_list(i).completed_bytes, 0);
          :current_object := l_js.worker_status_list(i).object_type || ' '
                          || l_js.worker_status_list(i).schema || '.' || l_js.worker_status_list(i).name;
        END IF;
      END LOOP;
    END IF;
  END IF;
  :completed_rows := l_rows;
  add_lines(l_status.wip);
  add_lines(l_status.error);
  :log_text := l_log;
END;`;
