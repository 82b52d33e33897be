import { useEffect, useState } from 'preact/hooks';
import { call, RequestFailed } from './api.js';

interface Finding {
  id: string;
  severity: string;
  service?: string;
  title: string;
  evidence: string;
  fix: string;
}

/** `hearth audit` in the browser: findings, worst first, each with its evidence and fix. */
export function AuditView() {
  const [findings, setFindings] = useState<Finding[] | null | undefined>(undefined);
  const [error, setError] = useState('');
  useEffect(() => {
    call<{ findings: Finding[] }>('GET', '/api/v1/audit').then(
      (r) => setFindings(r.findings),
      (e: Error) => (e instanceof RequestFailed && e.status === 404 ? setFindings(null) : setError(e.message)),
    );
  }, []);
  if (error) return <p role="alert" class="error">{error}</p>;
  if (findings === undefined) return <p class="muted">Auditing…</p>;
  if (findings === null) return <p>The audit is not available in this hearthd.</p>;
  if (findings.length === 0) return <p>No findings.</p>;
  const order = ['critical', 'high', 'medium', 'low', 'info'];
  const counts = order.map((sev) => [sev, findings.filter((f) => f.severity === sev).length] as const).filter(([, n]) => n > 0);
  return (
    <section aria-label="Audit">
      <p class="audit-summary">
        {findings.length} finding{findings.length === 1 ? '' : 's'}: {counts.map(([sev, n]) => `${n} ${sev}`).join(', ')}. The fix for each is under it.
      </p>
      {[...findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity)).map((f) => (
        <article class={`finding sev-${f.severity}`}>
          <h3>
            <span class="badge">{f.severity}</span> {f.title}
            {f.service ? ` (${f.service})` : ''}
          </h3>
          <p>{f.evidence}</p>
          <p>
            <strong>Fix:</strong> {f.fix}
          </p>
        </article>
      ))}
    </section>
  );
}
