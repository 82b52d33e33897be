// The texts of the Debian package's metadata: DEBIAN/control, the
// machine-readable copyright file (hearth's licence and those of the
// libraries bundled into it, read from node_modules at build time), and the
// changelog Debian requires of every package.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const MAINTAINER = 'the hearth authors <hearth@example.org>';

export function debianControl({ version, arch, installedKiB, libcDepends }) {
  const depends = ['nodejs (>= 20)', libcDepends].filter(Boolean).join(', ');
  return `Package: hearth
Version: ${version}
Architecture: ${arch}
Maintainer: ${MAINTAINER}
Installed-Size: ${installedKiB}
Depends: ${depends}
Section: admin
Priority: optional
Description: daemon manager: supervisor, super-server, runlevels, SysV tools
 hearthd supervises native services written as small TOML files, SysV init
 scripts as they are, pre-forked worker pools and inetd-style services (it
 reads xinetd.conf, xinetd.d and inetd.conf unchanged), runs crontabs and
 timers, and switches runlevels in dependency order.
 .
 hearth is its command-line client, with chkconfig, service, telinit,
 runlevel and ntsysv personalities; hearthd also serves a web GUI on the
 loopback address.
`;
}

function licenceFile(dir) {
  const name = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  return name ? readFileSync(join(dir, name), 'utf8') : undefined;
}

/** "Copyright (c) 2021 - present, X" lines of a licence text, without the "Copyright (c)" words. */
function holders(text) {
  return text
    .split('\n')
    .filter((l) => /^\s*copyright\b/i.test(l) && !/notice|holders/i.test(l))
    .map((l) => l.replace(/^\s*copyright\s*(\(c\)|©)?\s*/i, '').trim());
}

/** A licence text as a DEP-5 paragraph body: indented, blank lines as " .". */
function indent(text) {
  return text
    .trim()
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l.trimEnd()}`))
    .join('\n');
}

export function debianCopyright(root, bundled) {
  const own = readFileSync(join(root, 'LICENSE'), 'utf8');
  const parts = [
    `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: hearth

Files: *
Copyright: ${holders(own).join('\n ')}
License: MIT`,
  ];
  const licences = new Map([['MIT', own.split('\n').slice(own.split('\n').findIndex((l) => /^Permission is hereby granted/.test(l))).join('\n')]]);
  for (const name of bundled) {
    const dir = join(root, 'node_modules', name);
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const text = licenceFile(dir);
    if (!text) throw new Error(`${name}: no licence file to copy into the package's copyright file`);
    const where = name === 'preact' ? 'usr/lib/hearth/dist/gui/app.js' : 'usr/lib/hearth/dist/main/*';
    parts.push(`Files: ${where}
Comment: ${name} ${meta.version}, bundled into these files
Copyright: ${holders(text).join('\n ') || 'its authors'}
License: ${meta.license}`);
    if (!licences.has(meta.license)) licences.set(meta.license, text.slice(text.search(/redistribution|permission/i)));
  }
  for (const [id, text] of licences) parts.push(`License: ${id}\n${indent(text)}`);
  return `${parts.join('\n\n')}\n`;
}

export function debianChangelog(version, epochSeconds, commit) {
  const date = new Date(epochSeconds * 1000).toUTCString().replace('GMT', '+0000');
  return `hearth (${version}) unstable; urgency=medium

  * Built from the hearth repository${commit ? ` at ${commit}` : ''}.

 -- ${MAINTAINER}  ${date}
`;
}
