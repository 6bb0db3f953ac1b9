import AugurModels
import AugurTestSupport
import Foundation
import XCTest

/// Decode speed and memory on the real models. Opt-in (`AUGUR_BENCH=1`) because timings need an
/// otherwise idle machine; run one model per process for a meaningful peak RSS, e.g.
/// `AUGUR_BENCH=1 swift test -c release --filter DecodeBenchmarkTests.testQwen15B`.
final class DecodeBenchmarkTests: XCTestCase {
    func testSmolLM2() throws { try bench(TestModels.smol) }
    func testQwen05B() throws { try bench(TestModels.qwenDraft) }
    func testQwen15B() throws { try bench(TestModels.qwenTarget) }

    func bench(_ name: String) throws {
        guard ProcessInfo.processInfo.environment["AUGUR_BENCH"] != nil else { throw XCTSkip("set AUGUR_BENCH=1") }
        let path = try TestModels.path(name)
        let model = try loadModel(path: path)
        let cache = model.makeCache(capacity: 4096)
        let prompt = try LogitFixture.load(name).cases[0].tokens
        let prompt64 = Array((0..<64).map { prompt[$0 % prompt.count] })

        var t = Date()
        var logits = try model.forward(prompt64, cache: cache, rows: .last)
        let prefill = Date().timeIntervalSince(t)

        let steps = 64
        t = Date()
        for _ in 0..<steps {
            let next = Int32(argmax(logits.row(0)))
            logits = try model.forward([next], cache: cache, rows: .last)
        }
        let decode = Date().timeIntervalSince(t)

        // Touch every slot of the cache, as a full 4096-token context would.
        let kvWidth = model.config.kvHeadCount * model.config.headDim
        let zeros = [Float](repeating: 0, count: kvWidth)
        for l in 0..<model.config.layerCount {
            for p in cache.count..<cache.capacity { cache.store(layer: l, position: p, key: zeros, value: zeros) }
        }
        let fileMB = Double((try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0) / 1e6
        print(String(format: "%@: prefill 64 tokens %.1f tok/s; decode %.1f tok/s (%d steps, threads %d); " +
                     "peak RSS %.0f MB with a full 4096-position cache of %.0f MB (file %.0f MB)",
                     name, 64 / prefill, Double(steps) / decode, steps, model.matmul.threadCount,
                     peakRSSMegabytes(), Double(cache.byteCount) / 1e6, fileMB))
    }

    /// `VmHWM` of /proc/self/status in MB (Linux), or 0.
    func peakRSSMegabytes() -> Double {
        guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = s.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        let kb = Double(line.split(separator: " ").dropFirst().first.map(String.init) ?? "0") ?? 0
        return kb * 1024 / 1e6
    }
}
