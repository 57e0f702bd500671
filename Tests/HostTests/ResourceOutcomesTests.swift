import JSONCore
import Testing

@testable import Host

/// How a pipeline report's steps' `resource_results` become one outcome per resource.
@Suite struct ResourceOutcomesTests {
    private func report(_ results: [String?]) -> PipelineReport {
        let steps = results.enumerated().map { index, result in
            StepReport(
                step: StepReference(index: index, plugin: "step\(index)"), outcome: .applied(changes: 1), result: result.map { Array($0.utf8) })
        }
        return PipelineReport(pipeline: "test", dryRun: false, status: .succeeded, steps: steps, rollbackOrder: [])
    }

    /// Each entry is read where it lies, before the step's journal goes on (a config that is not
    /// read); a failure in any step wins over what another step applied.
    @Test func aFailureInAnyStepWinsAndTheJournalAfterTheResultsIsNotRead() {
        let outcomes = report([
            #"{"tag":"t","resource_results":{"proxy_host_1":{"status":"applied"},"proxy_host_2":{"status":"failed","message":"refused"}},"previous":{"apps":"#,
            #"{"resource_results":{"proxy_host_1":{"status":"failed","message":"port taken"},"proxy_host_2":{"status":"applied","message":null}}}"#,
            nil,
        ]).resourceOutcomes
        #expect(
            outcomes == [
                "proxy_host_1": ResourceOutcome(status: .failed, message: "port taken"),
                "proxy_host_2": ResourceOutcome(status: .failed, message: "refused"),
            ])
    }

    /// An entry that is not an outcome is left out and the others count; a status other than
    /// `failed` is applied; a step whose results are not JSON reports none.
    @Test func entriesThatAreNotOutcomesAreLeftOut() {
        let outcomes = report([
            #"{"resource_results":{"a_1":{"status":5},"a_2":"applied","a_3":{"message":"no status"},"a_4":{"status":"failed","message":7},"#
                + #""a_5":{"status":"skipped","note":[1,{"x":2}]},"a_6":{"status":"applied","message":"kept"}}}"#,
            #"{"resource_results":{"a_7":{"status":"failed"}"#,
            #"{"resource_results":[{"status":"failed"}]}"#,
        ]).resourceOutcomes
        #expect(outcomes == ["a_5": ResourceOutcome(status: .applied), "a_6": ResourceOutcome(status: .applied, message: "kept")])
    }
}
