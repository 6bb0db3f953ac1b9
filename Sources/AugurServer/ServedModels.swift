import AugurEngine
import AugurModels
import AugurSpeculative

/// The models a server serves, loaded once at start: the target and, optionally, a draft model.
///
/// Shared read-only by all slots; their forward passes are serialised by the engine's `ModelBaton`.
public final class ServedModels: @unchecked Sendable {
    /// The target model (network, tokenizer, chat template).
    public let target: LoadedModel
    /// The name clients use in the `model` field and `GET /v1/models` lists.
    public let modelID: String
    /// The draft model loaded at start (vocabulary already checked against the target's), if any.
    public let draftModel: (any LanguageModel)?
    /// The name a request's `speculative.draft` may use for `draftModel`.
    public let draftModelName: String?
    /// The drafter used when a request does not say: `"none"`, `"ngram"` or `draftModelName`.
    public let defaultDraft: String

    /// - Parameters:
    ///   - target: the served model.
    ///   - modelID: its public name.
    ///   - draft: the start-up drafter (`.model` must share the target's vocabulary).
    ///   - draftName: the name of a `.model` draft (ignored otherwise).
    public init(target: LoadedModel, modelID: String, draft: DraftSource, draftName: String? = nil) {
        self.target = target
        self.modelID = modelID
        switch draft {
        case .none:
            draftModel = nil; draftModelName = nil; defaultDraft = "none"
        case .ngram:
            draftModel = nil; draftModelName = nil; defaultDraft = "ngram"
        case .model(let m):
            let name = draftName ?? "draft"
            draftModel = m; draftModelName = name; defaultDraft = name
        }
    }

    /// The drafter a request names (`nil`: the default).
    /// - Throws: `APIError.invalidField("speculative.draft")` for a name other than none, ngram or
    ///   the loaded draft (the server never loads models per request).
    func draftSource(named name: String?) throws -> (source: DraftSource, label: String) {
        let choice = name ?? defaultDraft
        switch choice {
        case "none": return (.none, "none")
        case "ngram": return (.ngram, "ngram")
        default:
            if let m = draftModel, choice == draftModelName { return (.model(m), choice) }
            let allowed = ["none", "ngram"] + (draftModelName.map { [$0] } ?? [])
            throw APIError.invalidField("speculative.draft", "must be one of \(allowed.joined(separator: ", ")) "
                                        + "(only the draft loaded at start can be used), got '\(choice)'")
        }
    }
}
