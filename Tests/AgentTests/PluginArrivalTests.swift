import Foundation
import Host
import Testing
import TestSupport

@testable import PosternProxyAgent

/// What an agent checks before it loads a plugin the controller sent: the bytes' SHA-256 and
/// signature, and a first load in a child process (`posternproxy-agent --check-plugin`), so a
/// plugin that crashes while loading is refused with a reason instead of killing the agent.
@Suite struct PluginArrivalTests {
    private let check = ["\(TestEnvironment.buildFolder)/posternproxy-agent", "--check-plugin"]

    @Test func aPluginThatLoadsPassesTheCheck() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.fixture("entry_step.c", named: "good.so", in: folder)
        #expect(IsolatedLoadCheck.problem(loading: file, with: check) == nil)
    }

    @Test func aPluginThatCrashesInItsEntryIsRefusedAndTheCheckerSurvives() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.fixture("entry_step.c", named: "crash.so", in: folder, defines: ["CRASH_IN_ENTRY"])
        let problem = try #require(IsolatedLoadCheck.problem(loading: file, with: check))
        #expect(problem.contains("crashed while loading"), "\(problem)")
    }

    @Test func aPluginForAnotherABIMajorIsRefusedWithTheLoadersReason() throws {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        let file = try CCompiler.fixture("entry_step.c", named: "v7.so", in: folder, defines: ["ABI_MAJOR=7"])
        let problem = try #require(IsolatedLoadCheck.problem(loading: file, with: check))
        #expect(problem.contains("ABI 7."), "\(problem)")
    }

    @Test func bytesAreCheckedByTheirSHA256AndSignature() throws {
        let bytes = Array("a plugin".utf8)
        let sha256 = SHA256Digest.of(bytes)
        // The same digest the coreutils give.
        #expect(sha256 == "bc1de45bfa4006cb1695e194d9bdf6532af14e323de66a5bd13b146184b15d30")
        #expect(PluginIntegrity.problem(with: .init(sha256: sha256, bytes: bytes), expected: sha256, signingKey: nil) == nil)
        let tampered = PluginIntegrity.problem(with: .init(sha256: sha256, bytes: bytes + [0]), expected: sha256, signingKey: nil)
        #expect(tampered?.contains("have SHA-256") == true)
        let key = [UInt8](repeating: 7, count: 32)
        #expect(
            PluginIntegrity.problem(with: .init(sha256: sha256, bytes: bytes), expected: sha256, signingKey: key)?.contains("no Ed25519 signature")
                == true)
        let forged = Base64.encode([UInt8](repeating: 1, count: 64))
        #expect(
            PluginIntegrity.problem(with: .init(sha256: sha256, bytes: bytes, signature: forged), expected: sha256, signingKey: key)?.contains(
                "does not verify") == true)
    }
}
