/// `limit` (1 to 100, default 20) and `offset` query parameters of a listing.
struct Paging {
    var limit: Int
    var offset: Int

    init(limit: Substring?, offset: Substring?) {
        self.limit = min(100, max(1, limit.flatMap { Int($0) } ?? 20))
        self.offset = max(0, offset.flatMap { Int($0) } ?? 0)
    }
}
