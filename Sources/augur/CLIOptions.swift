import ArgumentParser
import AugurEngine
import AugurKernels
import AugurSampling
import AugurStore
import Foundation

/// Which model to run and how much memory and how many threads it gets.
struct ModelOptions: ParsableArguments {
    static let defaultModel = "qwen2.5-coder-1.5b-instruct"
    /// More threads than this only adds scheduling overhead on any machine Augur targets.
    static let maxThreads = 1024

    @Option(name: .shortAndLong, help: ArgumentHelp(
        "Model name (see `augur models`; pulled on first use) or path to a .gguf file.", valueName: "name|path"))
    var model: String = defaultModel

    @Option(help: "Context size in tokens: the KV cache capacity, prompt and reply together.")
    var ctx: Int = 4096

    @Option(help: "Threads for the matrix kernels (default: all cores).")
    var threads: Int?

    @Flag(help: "Log model loading and pulls to standard error (AUGUR_LOG_LEVEL sets any level).")
    var verbose = false

    func validate() throws {
        guard ctx >= 1 else { throw ValidationError("--ctx must be ≥ 1, got \(ctx)") }
        if let t = threads, t < 1 || t > Self.maxThreads {
            throw ValidationError("--threads must be between 1 and \(Self.maxThreads), got \(t)")
        }
    }

    /// Resolves the model (pulling a known model that is not cached yet, with progress on stderr),
    /// sets the thread count and opens it.
    func load() throws -> LoadedModel {
        CLILogging.bootstrap(verbose: verbose)
        if let t = threads { Matmul.defaultThreadCount = t }
        let path = try ModelStore().resolve(model, pullIfMissing: true, progress: PullProgressPrinter().report)
        let loaded = try LoadedModel(path: path)
        let memory = ProcessInfo.processInfo.physicalMemory
        guard let bytes = loaded.model.config.kvCacheBytes(capacity: ctx), UInt64(bytes) < memory else {
            let need = loaded.model.config.kvCacheBytes(capacity: ctx).map { String(format: "%.1f GB", Double($0) / 1e9) } ?? "more than 2^63 bytes"
            throw ValidationError("--ctx \(ctx) needs a KV cache of \(need), more than this machine's \(String(format: "%.1f GB", Double(memory) / 1e9)) of memory")
        }
        if ctx > loaded.trainedContextLength {
            printError("warning: --ctx \(ctx) exceeds the model's training context (\(loaded.trainedContextLength) tokens); quality may drop past it")
        }
        return loaded
    }
}

/// Sampler settings (shared by `generate`, `chat` and `bench`).
struct SamplerOptions: ParsableArguments {
    @Option(help: "Sampling temperature; 0 is greedy (always the most likely token).")
    var temperature: Float = 0

    @Option(help: "Keep only the K most likely tokens (0 = off; ignored when greedy).")
    var topK: Int = 0

    @Option(help: "Nucleus sampling: keep the most likely tokens up to this probability mass, in (0, 1] (1 = off).")
    var topP: Float = 1

    @Option(help: "Drop tokens less likely than this fraction of the most likely one, in [0, 1] (0 = off).")
    var minP: Float = 0

    @Option(help: "Penalty for tokens among the last 64 (> 0; 1 = off).")
    var repeatPenalty: Float = 1

    @Option(help: "Random seed; fixed by default, so sampled runs repeat unless you change it.")
    var seed: UInt64 = 0

    var sampling: SamplingParameters {
        SamplingParameters(temperature: temperature, topK: topK, topP: topP, minP: minP, repeatPenalty: repeatPenalty, seed: seed)
    }
}

/// Token budget, stop strings and sampler settings.
struct SamplingOptions: ParsableArguments {
    @Option(help: "Most tokens to generate.")
    var maxTokens: Int = 512

    @Option(name: .customLong("stop"), help: ArgumentHelp(
        "Stop when the text contains this string (not printed); repeatable.", valueName: "string"))
    var stopStrings: [String] = []

    @OptionGroup var sampler: SamplerOptions

    var parameters: GenerationParameters {
        GenerationParameters(maxTokens: maxTokens, stopStrings: stopStrings, sampling: sampler.sampling)
    }

    func validate() throws {
        do {
            try parameters.validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

/// Writes `message` and a newline to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Writes `text` to standard output at once (no buffering, so streamed text appears as it comes).
func writeOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// Runs `body`, turning any error other than an exit request into `error: …` on stderr and exit status 1.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let exit as ExitCode {
        throw exit
    } catch {
        printError("error: \(error)")
        throw ExitCode.failure
    }
}
