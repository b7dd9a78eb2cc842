import Foundation

extension MicropubUpdate {
    /// The post after this update: `replace`, then `add`, then `delete`, as the
    /// Micropub specification lists them. Pure; the caller saves the result.
    public func apply(to post: Post, now: Date = Date()) -> Post {
        var properties = post.properties
        for (name, values) in replace {
            properties[name] = values.isEmpty ? nil : values
        }
        for (name, values) in add {
            properties[name, default: []].append(contentsOf: values)
        }
        for name in deleteProperties {
            properties[name] = nil
        }
        for (name, values) in deleteValues {
            guard let current = properties[name] else { continue }
            let remaining = current.filter { !values.contains($0) }
            properties[name] = remaining.isEmpty ? nil : remaining
        }
        var updated = post
        updated.properties = properties
        updated.updated = now
        if let text = properties["published"]?.first?.stringValue, let date = PostBuilder.parseDate(text) {
            updated.published = date
        }
        updated.status = .decide(postStatus: properties["post-status"]?.first?.stringValue, published: updated.published, now: now)
        return updated
    }

    /// True when the update names nothing to change.
    public var isEmpty: Bool { replace.isEmpty && add.isEmpty && deleteProperties.isEmpty && deleteValues.isEmpty }
}

extension Post {
    /// The `q=source` answer: every property with the type, or only the named
    /// properties (and then no type), as the Micropub specification describes.
    ///
    /// With `urls`, an upload's URL written under an earlier address of the
    /// site (a site moved to a new domain, or rebuilt from an archive) is
    /// given at the current one, as the pages show it.
    public func source(only names: [String], urls: SiteURLs? = nil) -> JSONValue {
        let properties = urls.map { urls in self.properties.mapValues { $0.map { urls.rebasingMedia($0) } } } ?? self.properties
        if names.isEmpty {
            return .object([
                "type": .array([.string(type)]),
                "properties": .object(properties.mapValues(JSONValue.array)),
            ])
        }
        var selected: [String: JSONValue] = [:]
        for name in names {
            if let values = properties[name] { selected[name] = .array(values) }
        }
        return .object(["properties": .object(selected)])
    }
}
