import MediaModel

/// A media job as an ordered list of named steps over one context value, the
/// way imgproxy builds its processing: each step does one thing to the
/// context, and between steps the job's control is checked, so a shutdown or
/// a deadline stops the job at the next step as a retryable `interrupted`.
///
/// Steps are plain functions in files of their own, each with its test.
public struct Pipeline<Context> {
    /// One named step: a function of the context and the job's control.
    public struct Step {
        public let name: String
        let run: (inout Context, JobControl) throws(MediaError) -> Void

        public init(_ name: String, _ run: @escaping (inout Context, JobControl) throws(MediaError) -> Void) {
            self.name = name
            self.run = run
        }
    }

    public let steps: [Step]

    public init(_ steps: [Step]) { self.steps = steps }

    /// Runs every step in order on `context`.
    public func run(_ context: inout Context, control: JobControl) throws(MediaError) {
        for (index, step) in steps.enumerated() {
            try control.check(step.name)
            control.begin(step: index, of: steps.count)
            try step.run(&context, control)
        }
        control.report(1)
    }

    /// The names, in order: what a log line or a test says ran.
    public var names: [String] { steps.map(\.name) }
}
