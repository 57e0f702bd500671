import Glibc

/// Pipeline events as terminal lines: what `posternproxy pipeline run` prints and what the
/// provisioning terminal of the web UI shows.
public enum PipelineEventText {
    public static func line(for event: PipelineEvent) -> String? {
        switch event {
        case .phaseStarted(let step, let phase):
            return "==> \(step) \(phase.rawValue)"
        case .progress(_, let line):
            return "    \(line)"
        case .log(let step, let record) where record.level >= .warning:
            return "    [\(record.level)] \(step): \(record.message)"
        case .log:
            return nil
        case .stepFinished(let step, let outcome):
            return "<== \(step): \(describe(outcome))"
        case .rolledBack(let step, let outcome):
            return "<<< \(step) rollback: \(outcome)"
        case .finished(let report):
            return summary(report)
        }
    }

    /// One line per step of `report`: `com.example.motd: applied 1 change(s)`, with its rollback when it had one.
    public static func stepLines(_ report: PipelineReport) -> [String] {
        report.steps.map { step in
            "\(step.step.plugin): \(describe(step.outcome))" + (step.rollback.map { ", rolled back: \($0)" } ?? "")
        }
    }

    private static func describe(_ outcome: StepOutcome) -> String {
        switch outcome {
        case .notRun: "not run"
        case .skipped(let reason): "skipped (\(reason))"
        case .unchanged: "already right"
        case .planned(let changes): "would change \(changes)"
        case .applied(let changes): "applied \(changes) change(s)"
        case .failed(let phase, let message): "FAILED in \(phase.rawValue): \(message)"
        case .cancelled(let phase): "cancelled in \(phase.rawValue)"
        }
    }

    private static func summary(_ report: PipelineReport) -> String {
        var lines: [String] = []
        if report.dryRun {
            for step in report.steps {
                if let plan = step.plan { lines.append("plan of \(step.step): \(String(decoding: plan, as: UTF8.self))") }
            }
        }
        let status: String
        switch report.status {
        case .succeeded: status = "succeeded"
        case .failed(let step, let phase, let message): status = "FAILED at \(step) \(phase.rawValue): \(message)"
        case .cancelled: status = "cancelled"
        }
        lines.append(
            "pipeline \(report.pipeline) \(status): \(report.succeededSteps.count) succeeded, \(report.skippedSteps.count) skipped, \(report.steps.count) steps"
        )
        return lines.joined(separator: "\n")
    }
}
