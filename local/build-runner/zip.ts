/**
 * A ZIP writer for the local artifact store: CodeBuild uploads a step's artifacts as one ZIP
 * (`Packaging: ZIP`), and the pull phase of the steps that need it unpacks that object with
 * `unzip`, locally as on AWS. Deflate, no ZIP64 (an archive under 4 GiB and 65535 files).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';

const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL = 0x06054b50;
/** 1980-01-01 00:00, the earliest DOS date: archives of the same files are byte-identical. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;

function header(size: number, fields: Array<[number, 2 | 4]>): Buffer {
  const buf = Buffer.alloc(size);
  let at = 0;
  for (const [value, width] of fields) {
    if (width === 2) buf.writeUInt16LE(value, at);
    else buf.writeUInt32LE(value >>> 0, at);
    at += width;
  }
  return buf;
}

/** A file of the archive (a path relative to the base, `/`-separated), or a symbolic link and its target. */
export interface ZipEntry {
  path: string;
  link?: string;
}

/** A link as Info-ZIP stores it: the target as the entry's data, the Unix type S_IFLNK in its mode. */
const S_IFLNK = 0o120000;
const S_IFREG = 0o100000;

/** Writes `entries` (relative to `baseDir`) into a new ZIP at `zipPath`; `unzip` recreates the links. */
export async function writeZip(baseDir: string, entries: ZipEntry[], zipPath: string): Promise<void> {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const { path: file, link } of entries) {
    const data = link === undefined ? await readFile(join(baseDir, file)) : Buffer.from(link, 'utf8');
    const mode = link === undefined ? S_IFREG | ((await stat(join(baseDir, file))).mode & 0o777) : S_IFLNK | 0o777;
    const packed = deflateRawSync(data);
    const name = Buffer.from(file, 'utf8');
    const crc = crc32(data);
    // version 20, UTF-8 names (bit 11), deflate (8), time 0, date, crc, sizes, name length, no extra
    const common: Array<[number, 2 | 4]> = [
      [20, 2],
      [0x0800, 2],
      [8, 2],
      [0, 2],
      [DOS_DATE, 2],
      [crc, 4],
      [packed.length, 4],
      [data.length, 4],
      [name.length, 2],
      [0, 2],
    ];
    const local = header(30, [[LOCAL_HEADER, 4], ...common]);
    // made by Unix (3 << 8 | 20); no comment, disk 0, internal attrs 0; external attrs: the file's mode
    const entry = header(46, [
      [CENTRAL_HEADER, 4],
      [(3 << 8) | 20, 2],
      ...common,
      [0, 2],
      [0, 2],
      [0, 2],
      [mode * 0x10000, 4],
      [offset, 4],
    ]);
    parts.push(local, name, packed);
    central.push(entry, name);
    offset += local.length + name.length + packed.length;
  }
  const dir = Buffer.concat(central);
  const end = header(22, [
    [END_OF_CENTRAL, 4],
    [0, 2],
    [0, 2],
    [entries.length, 2],
    [entries.length, 2],
    [dir.length, 4],
    [offset, 4],
    [0, 2],
  ]);
  await writeFile(zipPath, Buffer.concat([...parts, dir, end]));
}
