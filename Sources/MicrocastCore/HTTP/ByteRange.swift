import Foundation

/// The answer to a `Range` header (RFC 9110 §14), for a file of known size.
public enum RangeAnswer: Equatable, Sendable {
    /// No usable range: send the whole file with 200.
    case whole
    /// Send these bytes (inclusive bounds) with 206 and `Content-Range: bytes first-last/size`.
    case partial(ClosedRange<Int64>)
    /// 416 with `Content-Range: bytes */size`.
    case unsatisfiable
}

/// The `Range` header as podcast apps send it: one byte range, or the whole file.
public enum ByteRange {
    /// Parses a `Range` header value against a file of `size` bytes.
    ///
    /// One range is honoured (`N-M`, `N-`, `-N`); a header we cannot parse, or
    /// a unit other than bytes, is ignored as the RFC allows. Several ranges are
    /// answered with the whole file: podcast players ask for one.
    public static func answer(rangeHeader: String?, size: Int64) -> RangeAnswer {
        guard let header = rangeHeader?.trimmingCharacters(in: .whitespaces),
            header.lowercased().hasPrefix("bytes=")
        else { return .whole }
        let specs = header.dropFirst("bytes=".count).split(separator: ",", omittingEmptySubsequences: false)
        guard specs.count == 1, let spec = specs.first else { return .whole }
        let parts = spec.trimmingCharacters(in: .whitespaces).split(
            separator: "-",
            maxSplits: 1,
            omittingEmptySubsequences: false
        )
        guard parts.count == 2 else { return .whole }
        let firstText = parts[0].trimmingCharacters(in: .whitespaces)
        let lastText = parts[1].trimmingCharacters(in: .whitespaces)
        guard firstText.allSatisfy(\.isASCIIDigit), lastText.allSatisfy(\.isASCIIDigit) else { return .whole }

        if firstText.isEmpty {
            // Suffix range: the last N bytes.
            guard let length = Int64(lastText) else { return .whole }
            guard length > 0, size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - length)...(size - 1))
        }
        guard let first = Int64(firstText) else { return .unsatisfiable }
        guard first < size else { return .unsatisfiable }
        if lastText.isEmpty { return .partial(first...(size - 1)) }
        guard let last = Int64(lastText) else { return .partial(first...(size - 1)) }
        guard last >= first else { return .whole }
        return .partial(first...min(last, size - 1))
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
