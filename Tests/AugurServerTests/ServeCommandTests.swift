import AugurTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import XCTest

/// `augur serve` as a subprocess: flag errors, start-up on a free port, one request, SIGTERM.
final class ServeCommandTests: XCTestCase {
    /// The `augur` binary built next to the test bundle (or `AUGUR_BIN`).
    static var binary: URL? {
        if let p = ProcessInfo.processInfo.environment["AUGUR_BIN"] { return URL(fileURLWithPath: p) }
        let dirs = [Bundle(for: ServeCommandTests.self).bundleURL.deletingLastPathComponent(),
                    URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()]
        return dirs.map { $0.appendingPathComponent("augur") }.first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }

    /// Collects a pipe's output as it arrives.
    final class Collector: @unchecked Sendable {
        private let lock = NSLock()
        private var data = Data()
        init(_ pipe: Pipe) {
            pipe.fileHandleForReading.readabilityHandler = { [weak self] h in
                let chunk = h.availableData
                self?.lock.withLock { self?.data.append(chunk) }
            }
        }
        var text: String { lock.withLock { String(decoding: data, as: UTF8.self) } }
    }

    private func launch(_ args: [String]) throws -> (Process, Collector) {
        let p = Process()
        p.executableURL = try XCTUnwrap(Self.binary, "augur binary not found next to the test bundle; set AUGUR_BIN")
        p.arguments = args
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        let collector = Collector(err)
        try p.run()
        return (p, collector)
    }

    func testFlagErrorsExitWithAMessage() throws {
        for (args, needle) in [(["serve", "--max-concurrent", "0"], "--max-concurrent"), (["serve", "--port", "70000"], "--port"),
                               (["serve", "--queue", "-1"], "--queue")] {
            let (p, err) = try launch(args)
            p.waitUntilExit()
            XCTAssertNotEqual(p.terminationStatus, 0, "\(args)")
            XCTAssertTrue(err.text.contains(needle), err.text)
        }
        let (p, err) = try launch(["serve", "--model", "/nonexistent/model.gguf", "--port", "0"])
        p.waitUntilExit()
        XCTAssertNotEqual(p.terminationStatus, 0)
        XCTAssertTrue(err.text.contains("error"), err.text)
    }

    func testServesSmolAndStopsOnSIGTERM() async throws {
        let path = try TestModels.path(TestModels.smol)
        let (p, err) = try launch(["serve", "--model", path, "--port", "0", "--ctx", "256", "--draft", "ngram"])
        defer { if p.isRunning { p.terminate(); p.waitUntilExit() } }
        var port: Int?
        let deadline = Date().addingTimeInterval(60)
        while port == nil && Date() < deadline && p.isRunning {
            if let r = err.text.range(of: #"127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(err.text[r].split(separator: ":").last ?? "")
            } else {
                try await Task.sleep(nanoseconds: 20_000_000)
            }
        }
        let base = try XCTUnwrap(port.map { "http://127.0.0.1:\($0)" }, err.text)
        var ready = false
        while !ready && Date() < deadline {
            let (data, _) = try await URLSession.shared.data(from: URL(string: base + "/health")!)
            ready = String(decoding: data, as: UTF8.self).contains("\"ready\"")
            if !ready { try await Task.sleep(nanoseconds: 20_000_000) }
        }
        XCTAssertTrue(ready)
        let (models, _) = try await URLSession.shared.data(from: URL(string: base + "/v1/models")!)
        XCTAssertTrue(String(decoding: models, as: UTF8.self).contains("\"id\":\"smollm2-135m-instruct\""), "the id is the file name without .gguf")
        var request = URLRequest(url: URL(string: base + "/v1/completions")!)
        request.httpMethod = "POST"
        request.httpBody = Data(#"{"prompt": "Hello", "max_tokens": 4, "temperature": 0}"#.utf8)
        let (data, response) = try await URLSession.shared.data(for: request)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200, String(decoding: data, as: UTF8.self))
        XCTAssertTrue(err.text.contains("draft: ngram"), err.text)

        p.terminate()  // SIGTERM: graceful shutdown
        let stopBy = Date().addingTimeInterval(15)
        while p.isRunning && Date() < stopBy { try await Task.sleep(nanoseconds: 20_000_000) }
        XCTAssertFalse(p.isRunning, "the server should exit after SIGTERM")
        if !p.isRunning { XCTAssertEqual(p.terminationStatus, 0, err.text) }
    }
}
