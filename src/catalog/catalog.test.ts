import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { allDaemons, findDaemon, suggestDaemon } from './index.js';

/** The daemons the catalog must know (the list). */
const REQUIRED = `alsasound acpid atalk amd anacron apmd arptables_jf arpwatch atd autofs bootparamd bluetooth crond chargen
chargen-udp cpuspeed dhcpd cups cups-config-daemon cups-lpd daytime daytime-udp dc_server dc_client diskdump echo echo-udp
eklogin gated gpm gssftp httpd inetd innd iiim iptables irda isdn krb5-telnet klogin keytable irqbalance kshell kudzu ldap
lm_sensors lpd mdmonitor messagebus microcode_ctl mysqld named netplugd netdump netfs nfs nfslock ntpd network psacct pcmcia
portmap postgresql proftpd pppoe random rawdevices readahead readahead_early rhnsd routed rsync rsh rwhod rstatd rusersd
rwalld saslauthd sendmail smb snmpd squid sshd smartd syslog time time-udp tux vsftpd vncserver xfs xinetd ypbind yppasswdd
ypserv yum chronyd rsyslog nginx postfix dbus avahi-daemon`.split(/\s+/);

describe('daemon catalog', () => {
  test('knows every daemon the classic systems shipped, and their modern successors', () => {
    const missing = REQUIRED.filter((n) => !findDaemon(n));
    assert.deepEqual(missing, []);
  });

  test('every entry is complete and valid', () => {
    for (const e of allDaemons()) {
      assert.match(e.name, /^[A-Za-z0-9_.@-]+$/, e.name);
      assert.ok(e.description.length > 10 && e.description.endsWith('.'), `${e.name}: description`);
      assert.ok(e.riskReason.length > 5, `${e.name}: riskReason`);
      assert.ok(['low', 'medium', 'high'].includes(e.risk), `${e.name}: risk`);
      for (const p of e.ports) assert.ok(Number.isInteger(p.port) && p.port > 0 && p.port < 65536, `${e.name}: port ${p.port}`);
    }
  });

  test('names and aliases are unique across entries', () => {
    const seen = new Map<string, string>();
    for (const e of allDaemons()) {
      for (const key of [e.name, ...e.aliases].map((k) => k.toLowerCase())) {
        assert.equal(seen.get(key), undefined, `"${key}" is claimed by ${seen.get(key)} and ${e.name}`);
        seen.set(key, e.name);
      }
    }
  });

  test('risk levels follow the rules: cleartext logins and amplifiers are high', () => {
    for (const n of ['rsh', 'telnet', 'krb5-telnet', 'klogin', 'chargen', 'chargen-udp', 'echo', 'echo-udp', 'daytime-udp', 'time-udp', 'innd', 'rwhod']) {
      assert.equal(findDaemon(n)!.risk, 'high', n);
    }
    assert.equal(findDaemon('rlogin')!.name, 'rsh', 'rlogin is found through its alias');
    assert.equal(findDaemon('telnet')!.recommendation, 'never-on-public-interface');
    assert.equal(findDaemon('crond')!.recommendation, 'essential');
  });

  test('lookup is case-insensitive; unknown names get a suggestion', () => {
    assert.equal(findDaemon('SSHD')!.name, 'sshd');
    assert.equal(findDaemon('no-such-daemon'), undefined);
    assert.equal(suggestDaemon('sshdd'), 'sshd');
  });
});
