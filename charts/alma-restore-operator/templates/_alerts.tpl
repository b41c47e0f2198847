{{- /*
  The one source of the operator's alerting rules. templates/prometheusrule.yaml renders it into
  a PrometheusRule; the tests render the same template with `helm template` and run
  `promtool check rules` / `promtool test rules` on it. docs/alerts.md has a runbook per alert.
  Metric names and labels are the contract of src/runtime/metrics.ts.
*/ -}}
{{- define "alma-restore-operator.alertGroups" -}}
{{- $a := .Values.prometheusRule.alerts }}
{{- $base := .Values.prometheusRule.runbookBaseUrl }}
{{- $extra := .Values.prometheusRule.additionalRuleLabels }}
groups:
  - name: alma-restore-operator
    rules:
      {{- with $a.tablespaceAlmostFull }}
      {{- if .enabled }}
      - alert: AlmaRestoreTablespaceAlmostFull
        expr: |-
          max by (namespace, restore, institution, tablespace) (alma_restore_tablespace_used_ratio) > {{ .threshold }}
        for: {{ .for }}
        labels:
          severity: {{ .severity }}
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: {{`Tablespace {{ $labels.tablespace }} of AlmaRestore {{ $labels.namespace }}/{{ $labels.restore }} is {{ $value | humanizePercentage }} full.`}}
          description: {{ printf "Tablespace {{ $labels.tablespace }} (institution {{ $labels.institution }}) of AlmaRestore {{ $labels.namespace }}/{{ $labels.restore }} has been above %v%% of its maximum size for %s. The import fails with ORA-01653/ORA-01688 when it is full. Check that the tablespace guard could add a datafile or grow the volume (status.actions, Events of the AlmaRestore)." (mulf .threshold 100) .for | quote }}
          runbook_url: {{ printf "%s#almarestoretablespacealmostfull" $base | quote }}
      {{- end }}
      {{- end }}
      {{- with $a.failed }}
      {{- if .enabled }}
      - alert: AlmaRestoreFailed
        expr: |-
          max by (namespace, restore) (alma_restore_phase{phase="Failed"}) == 1
        for: {{ .for }}
        labels:
          severity: {{ .severity }}
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: {{`AlmaRestore {{ $labels.namespace }}/{{ $labels.restore }} failed.`}}
          description: {{`AlmaRestore {{ $labels.namespace }}/{{ $labels.restore }} is in phase Failed. The failed step, its reason and message are in the resource's status (kubectl describe almarestore -n {{ $labels.namespace }} {{ $labels.restore }}).`}}
          runbook_url: {{ printf "%s#almarestorefailed" $base | quote }}
      {{- end }}
      {{- end }}
      {{- with $a.stalled }}
      {{- if .enabled }}
      - alert: AlmaRestoreStalled
        expr: |-
          (
            time() - max by (namespace, restore) (alma_restore_last_progress_timestamp_seconds) > {{ mul (int .afterMinutes) 60 }}
          )
          and on (namespace, restore)
          (
            max by (namespace, restore) (alma_restore_phase{phase=~"{{ join "|" .phases }}"}) == 1
          )
        for: {{ .for }}
        labels:
          severity: {{ .severity }}
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: {{`AlmaRestore {{ $labels.namespace }}/{{ $labels.restore }} has made no progress for {{ $value | humanizeDuration }}.`}}
          description: {{ printf "AlmaRestore {{ $labels.namespace }}/{{ $labels.restore }} is in an active phase (%s) but neither its phase nor its progress has changed for more than %d minutes." (join ", " .phases) (int .afterMinutes) | quote }}
          runbook_url: {{ printf "%s#almarestorestalled" $base | quote }}
      {{- end }}
      {{- end }}
      {{- with $a.overdue }}
      {{- if .enabled }}
      - alert: AlmaRestoreOverdue
        expr: |-
          time() - max by (namespace) (alma_restore_last_success_timestamp_seconds) > {{ mul (int .afterDays) 86400 }}
        for: {{ .for }}
        labels:
          severity: {{ .severity }}
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: {{`No AlmaRestore in namespace {{ $labels.namespace }} has succeeded for {{ $value | humanizeDuration }}.`}}
          description: {{ printf "The newest successful restore in namespace {{ $labels.namespace }} is more than %d days old (each quarter's restore is a new AlmaRestore, so the newest success counts). Alma delivers a Local Backup up to once a quarter: the restored copy is out of date." (int .afterDays) | quote }}
          runbook_url: {{ printf "%s#almarestoreoverdue" $base | quote }}
      {{- end }}
      {{- end }}
      {{- with $a.controllerDown }}
      {{- if .enabled }}
      {{- $job := default (include "alma-restore-operator.metricsServiceName" $) .job }}
      - alert: AlmaRestoreControllerDown
        expr: |-
          absent(up{job="{{ $job }}", namespace="{{ $.Release.Namespace }}"} == 1)
        for: {{ .for }}
        labels:
          severity: {{ .severity }}
          job: {{ $job | quote }}
          namespace: {{ $.Release.Namespace | quote }}
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: {{ printf "No alma-restore-operator controller is up in namespace %s." $.Release.Namespace | quote }}
          description: {{ printf "Prometheus has not scraped any controller Pod (job=%q, namespace=%q) successfully for %s. No AlmaRestore is reconciled, no tablespace is guarded and no other alert of this operator can fire." $job $.Release.Namespace .for | quote }}
          runbook_url: {{ printf "%s#almarestorecontrollerdown" $base | quote }}
      {{- end }}
      {{- end }}
      {{- with $a.inventoryDrop }}
      {{- if .enabled }}
      - alert: AlmaRestoreInventoryDrop
        expr: |-
          max by (namespace, restore, institution, area) (
            (alma_restore_records_previous - alma_restore_records) / alma_restore_records_previous
          ) > {{ .dropShare }}
        for: {{ .for }}
        labels:
          severity: {{ .severity }}
          {{- with $extra }}
          {{- toYaml . | nindent 10 }}
          {{- end }}
        annotations:
          summary: {{`AlmaRestore {{ $labels.namespace }}/{{ $labels.restore }} restored {{ $value | humanizePercentage }} fewer {{ $labels.area }} than last time.`}}
          description: {{ printf "Institution {{ $labels.institution }} of AlmaRestore {{ $labels.namespace }}/{{ $labels.restore }} has fewer rows in area {{ $labels.area }} than its previous Succeeded restore, by more than %v%%. A short delivery (truncated export, a dump file Data Pump skipped, the wrong institution) looks like this. Compare status.inventory with Alma before relying on this copy." (mulf .dropShare 100) | quote }}
          runbook_url: {{ printf "%s#almarestoreinventorydrop" $base | quote }}
      {{- end }}
      {{- end }}
{{- end }}
