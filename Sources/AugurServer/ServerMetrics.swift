import AugurEngine
import Prometheus

/// The server's Prometheus metrics (`GET /metrics`, text exposition format 0.0.4), via swift-prometheus.
///
/// | metric | type | meaning |
/// |---|---|---|
/// | `augur_requests_total{endpoint}` | counter | requests received per endpoint (`chat`, `completion`) |
/// | `augur_request_errors_total{status}` | counter | requests answered with an error status |
/// | `augur_requests_cancelled_total` | counter | generations ended because the client went away |
/// | `augur_prompt_tokens_total` | counter | prompt tokens of finished generations |
/// | `augur_prompt_tokens_reused_total` | counter | of those, tokens taken from a slot's cache (not prefilled) |
/// | `augur_generated_tokens_total` | counter | tokens generated |
/// | `augur_draft_tokens_total` | counter | draft tokens proposed to the verifier |
/// | `augur_draft_tokens_accepted_total` | counter | draft tokens accepted |
/// | `augur_acceptance_rate` | histogram | α per generation that drafted anything |
/// | `augur_time_per_output_token_seconds` | histogram | decode seconds per decode token, per generation |
/// | `augur_time_to_first_token_seconds` | histogram | prefill seconds per generation |
/// | `augur_queue_length` | gauge | requests waiting for a slot |
/// | `augur_slots_busy` | gauge | slots generating |
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let chatRequests, completionRequests: Counter
    private let cancelled, promptTokens, reusedTokens, generatedTokens, drafted, accepted: Counter
    private let acceptance, timePerToken, timeToFirstToken: ValueHistogram
    private let queueLength, slotsBusy: Gauge

    public init() {
        let r = registry
        chatRequests = r.makeCounter(descriptor: Self.d("requests_total", "Requests received"), labels: [("endpoint", "chat")])
        completionRequests = r.makeCounter(descriptor: Self.d("requests_total", "Requests received"), labels: [("endpoint", "completion")])
        cancelled = r.makeCounter(descriptor: Self.d("requests_cancelled_total", "Generations cancelled by a client disconnect"))
        promptTokens = r.makeCounter(descriptor: Self.d("prompt_tokens_total", "Prompt tokens of finished generations"))
        reusedTokens = r.makeCounter(descriptor: Self.d("prompt_tokens_reused_total", "Prompt tokens reused from a slot's KV cache"))
        generatedTokens = r.makeCounter(descriptor: Self.d("generated_tokens_total", "Tokens generated"))
        drafted = r.makeCounter(descriptor: Self.d("draft_tokens_total", "Draft tokens proposed"))
        accepted = r.makeCounter(descriptor: Self.d("draft_tokens_accepted_total", "Draft tokens accepted"))
        acceptance = r.makeValueHistogram(descriptor: Self.d("acceptance_rate", "Acceptance rate (accepted / drafted) per generation"),
                                          buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0])
        timePerToken = r.makeValueHistogram(descriptor: Self.d("time_per_output_token_seconds", "Decode seconds per output token, per generation"),
                                            buckets: [0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2])
        timeToFirstToken = r.makeValueHistogram(descriptor: Self.d("time_to_first_token_seconds", "Prefill seconds per generation"),
                                                buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30])
        queueLength = r.makeGauge(descriptor: Self.d("queue_length", "Requests waiting for a slot"))
        slotsBusy = r.makeGauge(descriptor: Self.d("slots_busy", "Slots generating"))
    }

    /// `augur_<name>` with help text.
    private static func d(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "augur", metricName: name, unitName: "", helpText: help)
    }

    private func errorCounter(_ status: Int) -> Counter {
        registry.makeCounter(descriptor: Self.d("request_errors_total", "Requests answered with an error"), labels: [("status", "\(status)")])
    }

    func requestReceived(chat: Bool) { (chat ? chatRequests : completionRequests).increment() }
    func requestFailed(status: Int) { errorCounter(status).increment() }
    func slotsChanged(busy: Int, waiting: Int) {
        slotsBusy.set(Double(busy))
        queueLength.set(Double(waiting))
    }

    /// Records a finished (or cancelled) generation.
    func record(_ stats: GenerationStats) {
        if stats.finishReason == .cancelled { cancelled.increment() }
        promptTokens.increment(by: Int64(stats.promptTokens))
        reusedTokens.increment(by: Int64(stats.reusedPromptTokens))
        generatedTokens.increment(by: Int64(stats.generatedTokens))
        timeToFirstToken.record(stats.prefillSeconds)
        if stats.decodeTokens > 0 { timePerToken.record(stats.decodeSeconds / Double(stats.decodeTokens)) }
        if let m = stats.speculation {
            drafted.increment(by: Int64(m.drafted))
            accepted.increment(by: Int64(m.accepted))
            if let a = m.acceptanceRate { acceptance.record(a) }
        }
    }

    /// The exposition text.
    public func render() -> String { registry.emitToString() }
}
