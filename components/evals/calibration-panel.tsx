import { Badge, Card, cx } from "@/components/ui";
import type { EvaluatorCalibration } from "./contract";
import { fmtCount, kappaReading } from "./format";

/**
 * How far the judge agrees with people who reviewed the same outputs: the 2x2 confusion matrix
 * (judge pass/fail x person correct/incorrect), Cohen's kappa with its 95% interval, and what
 * that means for trusting the judge.
 */
export function CalibrationPanel({ calibration }: { calibration: EvaluatorCalibration | null }) {
  const c = calibration;
  const kappa = c?.kappa?.kappa ?? null;
  const ci = c?.kappa?.ci ? ([c.kappa.ci.low, c.kappa.ci.high] as const) : null;
  const reading = kappaReading(kappa, ci, c?.n ?? 0);
  const m = c?.matrix;
  const cell = (value: number | undefined, agree: boolean, testId: string) => (
    <td className={cx("px-3 py-2 text-right tabular-nums", agree ? "bg-success/10" : "bg-danger/10")} data-testid={testId}>
      {fmtCount(value ?? 0)}
    </td>
  );
  return (
    <Card className="space-y-3 p-4" data-testid="calibration-panel">
      <div className="flex items-center justify-between gap-2">
        <h2 className="text-sm font-semibold">
          Judge calibration
          {c ? (
            <span className="ml-1 font-mono font-normal">
              {c.evaluatorId}
              {c.rubric ? ` · rubric ${c.rubric}` : ""}
            </span>
          ) : null}
        </h2>
        <Badge tone={reading.tone === "neutral" ? "neutral" : reading.tone}>{fmtCount(c?.n ?? 0)} reviewed</Badge>
      </div>
      <div className="grid items-start gap-4 md:grid-cols-[auto_1fr]">
        <table className="text-sm" aria-label="Confusion matrix: the judge's verdict against a person's">
          <thead className="text-xs text-fg-muted">
            <tr>
              <th />
              <th className="px-3 py-1 text-right font-medium">Person: correct</th>
              <th className="px-3 py-1 text-right font-medium">Person: incorrect</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th className="px-3 py-2 text-left text-xs font-medium text-fg-muted">Judge: pass</th>
              {cell(m?.correctPass, true, "cm-pass-correct")}
              {cell(m?.incorrectPass, false, "cm-pass-incorrect")}
            </tr>
            <tr>
              <th className="px-3 py-2 text-left text-xs font-medium text-fg-muted">Judge: fail</th>
              {cell(m?.correctFail, false, "cm-fail-correct")}
              {cell(m?.incorrectFail, true, "cm-fail-incorrect")}
            </tr>
          </tbody>
        </table>
        <div className="space-y-1 text-sm">
          <p>
            Cohen&apos;s kappa{" "}
            <span className="font-semibold tabular-nums" data-testid="kappa">
              {kappa === null ? "–" : kappa.toFixed(2)}
            </span>
            {ci ? (
              <span className="text-fg-muted tabular-nums">
                {" "}
                (95% interval {ci[0].toFixed(2)} to {ci[1].toFixed(2)})
              </span>
            ) : null}
            {c?.agreement !== null && c?.agreement !== undefined ? (
              <span className="text-fg-muted"> · raw agreement {Math.round(c.agreement * 100)}%</span>
            ) : null}
          </p>
          <p className={cx(reading.tone === "success" && "text-success", reading.tone === "danger" && "text-danger")} data-testid="kappa-reading">
            {reading.advice}
          </p>
          {c && c.sources.callScores > 0 ? (
            <p className="text-xs text-fg-muted">
              {fmtCount(c.sources.reviews)} from this review queue, {fmtCount(c.sources.callScores)} from scores people gave the logged calls.
            </p>
          ) : null}
          <p className="text-xs text-fg-muted">Kappa corrects raw agreement for chance: 0 is what a coin would do, 1 is perfect agreement.</p>
        </div>
      </div>
    </Card>
  );
}
