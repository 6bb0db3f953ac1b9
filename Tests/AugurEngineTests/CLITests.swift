import AugurTestSupport
import Foundation
import XCTest

/// The `augur` binary run as a subprocess (built with the tests: `swift build`/`swift test` build
/// every product into the same directory as the test bundle).
final class CLITests: XCTestCase {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL? {
        if let p = ProcessInfo.processInfo.environment["AUGUR_BIN"] { return URL(fileURLWithPath: p) }
        let dirs = [Bundle.main.bundleURL, Bundle(for: CLITests.self).bundleURL.deletingLastPathComponent(),
                    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        return dirs.map { $0.appendingPathComponent("augur") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    func augur(_ args: [String], stdin: String? = nil) throws -> Run {
        let bin = try XCTUnwrap(Self.binary, "augur binary not found next to the test bundle; set AUGUR_BIN")
        let p = Process()
        p.executableURL = bin
        p.arguments = args
        var env = ProcessInfo.processInfo.environment
        env["AUGUR_MODELS_DIR"] = TestModels.directory
        p.environment = env
        let out = Pipe(), err = Pipe(), input = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = input
        try p.run()
        if let s = stdin { input.fileHandleForWriting.write(Data(s.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes before waiting, so a full pipe cannot block the child.
        final class Box: @unchecked Sendable { var data = Data() }
        let errBox = Box()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        let errData = errBox.data
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                   stderr: String(decoding: errData, as: UTF8.self))
    }

    func testGenerateOnSmol() throws {
        let model = try TestModels.path(TestModels.smol)
        let r = try augur(["generate", "--model", model, "--max-tokens", "8", "hi"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertFalse(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        XCTAssertTrue(r.stderr.contains("prompt "), r.stderr)
        XCTAssertTrue(r.stderr.contains("decode "), r.stderr)
        XCTAssertTrue(r.stderr.contains("generated "), r.stderr)
        XCTAssertTrue(r.stderr.contains("finish: "), r.stderr)

        // The default subcommand, the prompt from standard input, and --raw give the same kind of result.
        let piped = try augur(["--model", model, "--max-tokens", "4", "--raw"], stdin: "The capital of France is")
        XCTAssertEqual(piped.status, 0, piped.stderr)
        XCTAssertTrue(piped.stderr.contains("generated 4 tokens"), piped.stderr)
    }

    func testChatFromAPipe() throws {
        let model = try TestModels.path(TestModels.smol)
        let r = try augur(["chat", "--model", model, "--max-tokens", "6"], stdin: "hi\nwhat is 2+2?\n/exit\nnot read\n")
        XCTAssertEqual(r.status, 0, r.stderr)
        let stats = r.stderr.split(separator: "\n").filter { $0.contains("finish: ") }
        XCTAssertEqual(stats.count, 2, r.stderr)
        XCTAssertTrue(stats[1].contains("reused"), r.stderr)
        XCTAssertFalse(stats[1].contains("(0 reused)"), r.stderr)
    }

    func testBenchJSON() throws {
        let model = try TestModels.path(TestModels.smol)
        let r = try augur(["bench", "--model", model, "--max-tokens", "4", "--runs", "2", "--json"])
        XCTAssertEqual(r.status, 0, r.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        XCTAssertGreaterThan(json["decodeTokensPerSecond"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(json["prefillTokensPerSecond"] as? Double ?? 0, 0)
        let prompts = try XCTUnwrap(json["prompts"] as? [[String: Any]])
        XCTAssertEqual((prompts.first?["runs"] as? [Any])?.count, 2)
        XCTAssertEqual(prompts.first?["generatedTokens"] as? Int, 4)
    }

    func testErrors() throws {
        let missing = try augur(["generate", "--model", "/nonexistent/model.gguf", "hi"])
        XCTAssertNotEqual(missing.status, 0)
        XCTAssertTrue(missing.stderr.contains("model file not found: /nonexistent/model.gguf"), missing.stderr)

        let unknown = try augur(["generate", "--model", "no-such-model", "hi"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stderr.contains("unknown model 'no-such-model'"), unknown.stderr)

        let badFlag = try augur(["generate", "--temperature", "-1", "hi"])
        XCTAssertNotEqual(badFlag.status, 0)
        XCTAssertTrue(badFlag.stderr.contains("temperature"), badFlag.stderr)

        let model = try TestModels.path(TestModels.smol)
        let long = String(repeating: "word ", count: 40)
        let tooLong = try augur(["generate", "--model", model, "--ctx", "32", long])
        XCTAssertNotEqual(tooLong.status, 0)
        XCTAssertTrue(tooLong.stderr.contains("but the context holds 32"), tooLong.stderr)
        XCTAssertTrue(tooLong.stdout.isEmpty)

        // A context whose KV cache cannot exist is refused before anything is allocated.
        for ctx in ["100000000", "9223372036854775807"] {
            let huge = try augur(["generate", "--model", model, "--ctx", ctx, "hi"])
            XCTAssertEqual(huge.status, 1, huge.stderr)
            XCTAssertTrue(huge.stderr.contains("needs a KV cache of"), huge.stderr)
        }
        let threads = try augur(["generate", "--model", model, "--threads", "9223372036854775807", "hi"])
        XCTAssertNotEqual(threads.status, 0)
        XCTAssertTrue(threads.stderr.contains("--threads must be between 1 and"), threads.stderr)

        // -f reads any readable stream, and names the reason when it cannot.
        let unreadable = try augur(["generate", "--model", model, "-f", "/nonexistent/prompt.txt"])
        XCTAssertNotEqual(unreadable.status, 0)
        XCTAssertTrue(unreadable.stderr.contains("cannot read prompt file /nonexistent/prompt.txt: No such file"), unreadable.stderr)
    }
}
