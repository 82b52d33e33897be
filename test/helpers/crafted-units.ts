/**
 * Unit files written to exercise the loader's diagnostics: every kind of
 * value with good and bad examples, syntax errors, drop-ins, fatal errors
 * and load-time refusals. Compared line by line with `systemd-analyze verify`.
 */

export const CRAFTED_UNITS: Record<string, string> = {
  'values.service': `[Unit]
Description=values %n
Wants=ok.service bad\\ name.service %i.service
After=network.target \\
  remote-fs.target
Documentation=https://x.org/ man:foo(1) bogus
ConditionPathExists=relative
ConditionPathExists=|!/etc/x
AssertVirtualization=!container
ConditionUser=| !root
StartLimitBurst=x
StartLimitIntervalSec=10s
; a comment
# another
Foo=bar
X-Vendor=ok
RequiresOverridable=a.service

[Service]
Type=notify
ExecStart=/bin/echo a\\qb "c d" \\x41
ExecStartPre=-/bin/true "un
ExecStartPre=-@/bin/sh sh -c 'exit 0'
ExecStop=/bin/kill -TERM $MAINPID
RestartSec=1min 30s
TimeoutStopSec=5x
TimeoutStartSec=abc
TimeoutSec=0
KillSignal=RTMIN+99
KillSignal=SIGHUP
SuccessExitStatus=3 SIGHUP 300 TEMPFAIL
LimitNOFILE=infinity:1000
LimitCORE=1G:1M
LimitNPROC=10:
LimitCPU=1min
LimitNICE=+5
UMask=0o77
UMask=0027
Nice=-21
Nice=abc
OOMScoreAdjust=1001
CapabilityBoundingSet=CAP_NOPE CAP_NET_ADMIN
MemoryMax=50%
MemoryHigh=abc
MemoryLimit=1G
TasksMax=0
TasksMax=20%
CPUWeight=0
IOWeight=idle
CPUQuota=abc
StateDirectory=/abs
StateDirectory=a:b
ConfigurationDirectory=x:y
RuntimeDirectory=private/x
StandardOutput=file:relative
StandardError=syslog
StandardInput=bogus
PIDFile=/var/run/a.pid
EnvironmentFile=-relative
Environment="X=1 Y
Environment=A=1 2B=3 C
WorkingDirectory=-~
Restart=sometimes
Restart=always
NotifyAccess=some
KillMode=weird
ProtectSystem=bogus
ProtectHome=true
PrivateTmp=maybe
RuntimeDirectoryPreserve=yes
SyslogIdentifier=%Z
DynamicUser=yes
OOMPolicy=bogus
Bogus=1
Capabilities=cap_foo
SysVStartPriority=5
NoSuchSection=1

[Install]
WantedBy=multi-user.target
Bogus=1
`,
  'syntax.service': `Description=outside
[Unit]
noequals
=value
Description=x \\
# comment in a continuation
  y
[Bogus]
A=b
[X-Mine]
C=d
[Service]
ExecStart=/bin/true
ExecStart=
ExecStart=/bin/false
Type=oneshot
Restart=always
`,
  'refuse-noexec.service': `[Service]
Type=simple
`,
  'refuse-two.service': `[Service]
ExecStart=/bin/true
ExecStart=/bin/false
`,
  'refuse-dbus.service': `[Service]
Type=dbus
ExecStart=/bin/true
`,
  'dbus-names.service': `[Service]
BusName=not a bus name
BusName=org.example.1st
BusName=:1.42
BusName=org.example.Good-name_2
ExecStart=/bin/true
`,
  'fatal-user.service': `[Service]
ExecStart=/bin/true
User=bad:user
Restart=never
`,
  'workdir.service': `[Service]
ExecStart=/bin/true
WorkingDirectory=-relative
WorkingDirectory=-%Z
`,
  'fatal-workdir.service': `[Service]
ExecStart=/bin/true
WorkingDirectory=relative
`,
  'fatal-exec.service': `[Service]
ExecStart=/bin/true "unbalanced
Restart=never
`,
  'fatal-header.service': `[Service]
ExecStart=/bin/true
[Install
WantedBy=x
`,
  'sockets.socket': `[Socket]
ListenStream=0
ListenStream=70000
ListenStream=1.2.3.4:
ListenStream=[::1]:8080
ListenStream=127.0.0.1:8081
ListenStream=@abstract
ListenDatagram=/var/run/b.sock
ListenSequentialPacket=127.0.0.1:99
ListenFIFO=relative
ListenNetlink=bogus 1
ListenNetlink=route 1
Accept=maybe
Service=foo.socket
FileDescriptorName=a:b
SocketMode=888
BindIPv6Only=both
BindIPv6Only=bogus
MaxConnections=-1
Backlog=0x10
ReceiveBuffer=8M
ReceiveBuffer=8Q
`,
  'accept.socket': `[Socket]
ListenDatagram=127.0.0.1:9
Accept=yes
`,
  'empty.socket': `[Unit]
Description=no ports
[Socket]
Accept=no
`,
  'timers.timer': `[Timer]
OnCalendar=bogus
OnCalendar=daily
OnCalendar=Mon..Fri 10:00 Europe/Berlin
OnBootSec=5x
OnBootSec=15min
Unit=timers.timer
AccuracySec=1.
RandomizedDelaySec=1h
Persistent=yes
WakeSystem=yes
`,
  'notimer.timer': `[Timer]
OnCalendar=bogus
`,
  'dropin.service': `[Service]
ExecStart=/bin/true
`,
  'dropin.service.d/10-a.conf': `[Service]
BogusKey=1
Restart=never
Environment=A=1
`,
  'dropin.service.d/20-b.conf': `[Unit]
Description=from a drop-in
[Service]
User=bad:user
Nice=99
`,
  'dropin.service.d/ignored.txt': `[Service]
Nonsense=1
`,
  'service.d/top.conf': `[Service]
TopLevelBogus=1
`,
  'target.target': `[Unit]
Description=a target
AllowIsolate=yes
[Target]
Bogus=1
[Install]
Alias=other.target
`,
};
