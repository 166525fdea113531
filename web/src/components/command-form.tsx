// A command's form, generated from its parameter schema (GET /api/commands), run against an instance;
// the outcome item by item. Used by the Commands page for the whole catalog, and by the detection page
// for its actions (with the detection's own values filled in).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useMemo, useState } from 'react';
import { ApiError, api } from '../api/client.ts';
import type { CatalogEntry, CommandResult } from '../api/types.ts';
import { bodyOf, FieldError, fieldsOf, outcomeLines } from '../lib/command-form.ts';

export function CommandForm(props: {
  command: CatalogEntry;
  instance: string;
  /** Values to start with (typed text), e.g. the open detection's device. */
  preset?: Record<string, string>;
  /** Fields not shown (their preset value is sent as it is). */
  hidden?: string[];
  submitLabel?: string;
}) {
  const { command } = props;
  const qc = useQueryClient();
  const id = useId();
  const fields = useMemo(() => fieldsOf(command.parameters as never), [command]);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(fields.map((f) => [f.name, props.preset?.[f.name] ?? f.initial])),
  );
  const [problem, setProblem] = useState<{ field?: string; message: string }>();
  const run = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<CommandResult>(`/api/instances/${encodeURIComponent(props.instance)}/commands/${command.name}`, {
        method: 'POST',
        body,
      }).catch((err) => {
        // A Failed run comes back as a 502 carrying the result itself: show it item by item.
        if (err instanceof ApiError && err.status === 502 && err.body) return err.body as CommandResult;
        throw err;
      }),
    onSettled: () => qc.invalidateQueries({ queryKey: ['command-runs'] }),
  });
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setProblem(undefined);
    try {
      run.mutate(bodyOf(fields, values));
    } catch (err) {
      if (err instanceof FieldError) setProblem({ field: err.field, message: err.message });
      else throw err;
    }
  };
  const error =
    problem ??
    (run.error ? { field: (run.error as ApiError).parameter, message: run.error.message } : undefined);
  const shown = fields.filter((f) => !props.hidden?.includes(f.name));
  return (
    <form className="command-form" data-command={command.name} onSubmit={submit} aria-label={command.name}>
      {shown.map((f) => {
        const fid = `${id}-${f.name}`;
        const set = (v: string) => setValues((old) => ({ ...old, [f.name]: v }));
        const invalid = error?.field === f.name;
        const common = {
          id: fid,
          name: f.name,
          'aria-invalid': invalid || undefined,
          'aria-describedby': `${fid}-d`,
          required: f.required,
        };
        return (
          <div key={f.name} className="field">
            {f.kind === 'boolean' ? (
              <label className="check">
                <input
                  type="checkbox"
                  {...common}
                  required={false}
                  checked={values[f.name] === 'true'}
                  onChange={(e) => set(e.currentTarget.checked ? 'true' : '')}
                />
                {f.name}
              </label>
            ) : (
              <>
                <label htmlFor={fid}>
                  {f.name}
                  {f.required ? ' (required)' : ''}
                </label>
                {f.kind === 'choice' ? (
                  <select {...common} value={values[f.name]} onChange={(e) => set(e.currentTarget.value)}>
                    {!f.required && <option value="">(none)</option>}
                    {f.required && !values[f.name] && <option value="">Choose…</option>}
                    {f.options!.map((o) => (
                      <option key={o} value={o}>
                        {o}
                      </option>
                    ))}
                  </select>
                ) : f.kind === 'json' ? (
                  <textarea
                    {...common}
                    rows={2}
                    value={values[f.name]}
                    placeholder={f.example}
                    onChange={(e) => set(e.currentTarget.value)}
                  />
                ) : (
                  <input
                    {...common}
                    type={f.kind === 'integer' || f.kind === 'number' ? 'number' : 'text'}
                    min={f.min}
                    max={f.max}
                    step={f.kind === 'number' ? 'any' : undefined}
                    value={values[f.name]}
                    placeholder={f.example}
                    onChange={(e) => set(e.currentTarget.value)}
                  />
                )}
              </>
            )}
            <span className="hint" id={`${fid}-d`}>
              {f.description}
              {f.kind === 'list' ? ' (separate items with commas)' : ''}
            </span>
          </div>
        );
      })}
      <div className="form-actions">
        <button type="submit" disabled={run.isPending}>
          {run.isPending ? 'Running…' : (props.submitLabel ?? `Run ${command.name}`)}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error.message}
        </p>
      )}
      {run.data && <Outcome result={run.data} />}
    </form>
  );
}

/** A run's outcome, then each item with its result in words. */
export function Outcome({ result }: { result: CommandResult }) {
  const lines = outcomeLines(result as never);
  return (
    <div className="outcome" role="status" data-outcome={result.outcome}>
      <p>
        <strong>{result.outcome}</strong>
      </p>
      <ul aria-label="Outcome per item">
        {lines.map((l, n) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: items are listed in the order they were sent
          <li key={n} data-ok={l.ok}>
            <span aria-hidden="true">{l.ok ? '✓' : '✗'}</span> {l.item && <code>{l.item}</code>} {l.text}
          </li>
        ))}
      </ul>
      {result.data !== undefined && (
        <details>
          <summary>Answer</summary>
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable block must be reachable by keyboard */}
          <pre tabIndex={0}>{JSON.stringify(result.data, null, 2)}</pre>
        </details>
      )}
    </div>
  );
}
