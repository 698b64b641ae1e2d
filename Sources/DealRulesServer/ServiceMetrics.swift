import DealRules
import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// What `GET /metrics` shows, in Prometheus's text format (docs/service.md lists each):
/// requests by route and status, their latency, decisions by kind, reloads, and the rule-set
/// version being served as an info metric.
package final class ServiceMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// Made on first use, one per route and status (the registry's own lookup takes a lock
    /// and builds a key each time).
    private let requests = Mutex<[RequestKey: CoreMetrics.Counter]>([:])
    private let latency: [Route?: CoreMetrics.Timer]
    private let decided: [CoreMetrics.Counter]
    private let reloads: (succeeded: CoreMetrics.Counter, failed: CoreMetrics.Counter)
    private let info = Mutex<(version: String, gauge: CoreMetrics.Gauge)?>(nil)

    package init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .microseconds(2500),
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(10),
        ]
        self.factory = factory
        var latency: [Route?: CoreMetrics.Timer] = [:]
        for r in Route.allCases.map({ Optional($0) }) + [nil] {
            latency[r] = CoreMetrics.Timer(label: "dealrules_http_request_duration_seconds", dimensions: [("route", r?.rawValue ?? "other")],
                                           preferredDisplayUnit: .seconds, factory: factory)
        }
        self.latency = latency
        decided = DecisionKind.allCases.sorted { $0.severity < $1.severity }.map {
            CoreMetrics.Counter(label: "dealrules_decisions_total", dimensions: [("kind", $0.rawValue)], factory: factory)
        }
        reloads = (CoreMetrics.Counter(label: "dealrules_reloads_total", dimensions: [("result", "succeeded")], factory: factory),
                   CoreMetrics.Counter(label: "dealrules_reloads_total", dimensions: [("result", "failed")], factory: factory))
    }

    /// One request answered. `route` is nil for a path no route has (so that a scan of random
    /// paths cannot grow the metrics without bound).
    package func request(route: Route?, status: Int, duration: Swift.Duration) {
        let key = RequestKey(route: route, status: status)
        let counter = requests.withLock { counters in
            if let c = counters[key] { return c }
            let c = CoreMetrics.Counter(label: "dealrules_http_requests_total",
                                        dimensions: [("route", route?.rawValue ?? "other"), ("status", String(status))], factory: factory)
            counters[key] = c
            return c
        }
        counter.increment()
        latency[route]?.recordInterval(duration)
    }

    private struct RequestKey: Hashable {
        let route: Route?
        let status: Int
    }

    /// One deal decided.
    package func decided(_ kind: DecisionKind) { decided[kind.severity].increment() }

    /// Decisions given, counted by `DecisionKind.severity`.
    package func decisions(_ kinds: SIMD4<Int>) {
        for k in 0..<4 where kinds[k] > 0 { decided[k].increment(by: kinds[k]) }
    }

    /// A reload, and the version served after it.
    package func reloaded(succeeded: Bool) {
        (succeeded ? reloads.succeeded : reloads.failed).increment()
    }

    /// `dealrules_rules_info{version="…"} 1` for the version served (the one before is removed).
    package func serving(version: String) {
        info.withLock { current in
            if current?.version == version { return }
            current?.gauge.destroy()
            let g = CoreMetrics.Gauge(label: "dealrules_rules_info", dimensions: [("version", version)], factory: factory)
            g.record(1)
            current = (version, g)
        }
    }

    /// The text `GET /metrics` answers.
    package func text() -> [UInt8] { registry.emitToBuffer() }
}

extension CoreMetrics.Timer {
    func recordInterval(_ d: Swift.Duration) {
        let (seconds, attoseconds) = d.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
