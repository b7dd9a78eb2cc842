import MicrocastApp
import Prometheus

extension ServiceMetrics {
    /// Metrics kept in a registry of this server's own and written in
    /// Prometheus's text format at `/metrics`. Each server has its own (the
    /// tests run many in one process); `serve` also makes it the process's
    /// swift-metrics backend, so libraries' metrics land beside ours.
    static func prometheus() -> (metrics: ServiceMetrics, factory: PrometheusMetricsFactory) {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Requests take milliseconds, media jobs minutes: each gets buckets that span its own range.
        factory.durationHistogramBuckets = [
            "microcast_job_duration_seconds": [
                .milliseconds(100), .milliseconds(500), .seconds(1), .seconds(5), .seconds(15), .seconds(60), .seconds(300), .seconds(900),
                .seconds(3600),
            ]
        ]
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        return (ServiceMetrics(factory: factory, exposition: { registry.emitToBuffer() }), factory)
    }
}
