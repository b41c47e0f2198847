// Remembers every name a tarball has used so far, so that a member that would collide with an
// earlier one is refused before a byte of it is written: the same file twice (which would leave
// one copy on disk and the other's sha256 in the record), a file and then a directory of the same
// name (or the reverse), names that only decode to the same text because they are not UTF-8, a
// member in the scripts folder (which belongs to the scripts zip: the parfile must be the zip's),
// and names too long for the file system. Pure: names in, verdicts out.
import { Buffer } from 'node:buffer';
import path from 'node:path';
import { PARTIAL_SUFFIX } from './state.js';

export interface MemberClash {
  reason: string;
  why: string;
}

/** Linux NAME_MAX, less the temporary suffix every file is first written under. */
export const MAX_NAME_BYTES = 255 - Buffer.byteLength(PARTIAL_SUFFIX);
/** Linux PATH_MAX (including the terminating NUL). */
export const MAX_PATH_BYTES = 4095;
/** The folder the scripts zip is unpacked into (see scripts-zip.ts). */
export const SCRIPTS_FOLDER = 'scripts';

export class MemberLedger {
  private readonly kinds = new Map<string, 'file' | 'dir'>();

  constructor(
    private readonly folder: string,
    private readonly localDir: string,
    /** The tarball may not write into scripts/ (the zip's); the zip itself may. */
    private readonly options: { scriptsFolderIsOurs: boolean } = { scriptsFolderIsOurs: true },
  ) {}

  /** Records `rel` (relative to the institution folder) or says why it may not be used. */
  claim(rel: string, kind: 'file' | 'dir'): MemberClash | undefined {
    if (rel === '') return undefined;
    if (rel.includes('\uFFFD')) {
      return {
        reason: 'TarMemberNameUndecodable',
        why: 'has a name that is not valid UTF-8 (two such names can decode to the same text)',
      };
    }
    const parts = rel.split('/');
    const long = parts.find((p) => Buffer.byteLength(p) > MAX_NAME_BYTES);
    if (long !== undefined) {
      return {
        reason: 'TarMemberNameTooLong',
        why: `has a name component of ${Buffer.byteLength(long)} bytes (at most ${MAX_NAME_BYTES} can be written)`,
      };
    }
    const full = Buffer.byteLength(path.posix.join(this.localDir, rel) + PARTIAL_SUFFIX);
    if (full > MAX_PATH_BYTES) {
      return {
        reason: 'TarMemberNameTooLong',
        why: `has a path of ${full} bytes on the staging volume (at most ${MAX_PATH_BYTES})`,
      };
    }
    if (this.options.scriptsFolderIsOurs && parts[0] === SCRIPTS_FOLDER && kind === 'file') {
      return {
        reason: 'TarMemberInScriptsFolder',
        why:
          `would write into ${this.folder}/${SCRIPTS_FOLDER}/, which holds the scripts zip's files ` +
          `(the parfile impdp reads must be the one delivered in the zip)`,
      };
    }
    const previous = this.kinds.get(rel);
    if (previous === 'file' && kind === 'file') {
      return {
        reason: 'DuplicateTarMember',
        why: 'appears twice (which copy is the right one cannot be told)',
      };
    }
    if (previous !== undefined && previous !== kind) {
      return {
        reason: 'TarMemberConflict',
        why: `is a ${kind === 'dir' ? 'directory' : 'file'}, but an earlier member made it a ${previous === 'dir' ? 'directory' : 'file'}`,
      };
    }
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      if (this.kinds.get(parent) === 'file') {
        return {
          reason: 'TarMemberConflict',
          why: `lies under ${parent}, which an earlier member made a file`,
        };
      }
    }
    for (let i = 1; i < parts.length; i++) this.kinds.set(parts.slice(0, i).join('/'), 'dir');
    this.kinds.set(rel, kind);
    return undefined;
  }
}
