import Foundation

/// The actor's collections as ActivityStreams pages them: an
/// `OrderedCollection` with its count and first page, and
/// `OrderedCollectionPage`s (`?page=N`, newest first) linked by `next` and `prev`.
public enum ActorCollections {
    /// Items on one page.
    public static let pageSize = 20

    /// The collection itself; `first` is nil when its items are not listed for this reader.
    public static func collection(id: String, totalItems: Int, listed: Bool) -> JSONValue {
        var fields: [String: JSONValue] = [
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": .string(id),
            "type": "OrderedCollection",
            "totalItems": .integer(Int64(totalItems)),
        ]
        if listed { fields["first"] = .string(id + "?page=1") }
        return .object(fields)
    }

    /// Page `page` (from 1) of a collection of `totalItems`.
    public static func page(of id: String, page: Int, totalItems: Int, items: [JSONValue]) -> JSONValue {
        var fields: [String: JSONValue] = [
            "@context": ActivityStreams.context,
            "id": .string(id + "?page=\(page)"),
            "type": "OrderedCollectionPage",
            "partOf": .string(id),
            "totalItems": .integer(Int64(totalItems)),
            "orderedItems": .array(items),
        ]
        if page * pageSize < totalItems { fields["next"] = .string(id + "?page=\(page + 1)") }
        if page > 1 { fields["prev"] = .string(id + "?page=\(page - 1)") }
        return .object(fields)
    }

    /// The page a `?page=` parameter asks for: nil for none, or one that is not a page number.
    public static func pageNumber(_ parameter: String?) -> Int? {
        guard let parameter, let page = Int(parameter), page >= 1, page <= 1_000_000 else { return nil }
        return page
    }
}
