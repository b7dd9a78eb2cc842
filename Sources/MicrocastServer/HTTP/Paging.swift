import Hummingbird

/// `limit` (1 to 100, default 20) and `offset` query parameters of a listing.
struct Paging {
    var limit: Int
    var offset: Int

    init(_ parameters: FlatDictionary<Substring, Substring>) {
        limit = min(100, max(1, parameters["limit"].flatMap { Int($0) } ?? 20))
        offset = max(0, parameters["offset"].flatMap { Int($0) } ?? 0)
    }
}
