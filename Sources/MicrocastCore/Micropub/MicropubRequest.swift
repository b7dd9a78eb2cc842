import Foundation

/// What a Micropub POST asks for, parsed from any of its encodings.
public enum MicropubAction: Equatable, Sendable {
    case create(MicropubCreate)
    case update(MicropubUpdate)
    case delete(url: String)
    case undelete(url: String)
}

/// A create request: the object type, its properties, and the `mp-*` commands.
public struct MicropubCreate: Equatable, Sendable {
    public var type: String
    public var properties: MF2Properties
    public var commands: [String: [JSONValue]]

    public init(type: String = "h-entry", properties: MF2Properties, commands: [String: [JSONValue]] = [:]) {
        self.type = type
        self.properties = properties
        self.commands = commands
    }

    public func command(_ name: String) -> String? { commands[name]?.first?.stringValue }
}

/// A JSON update request.
public struct MicropubUpdate: Equatable, Sendable {
    public var url: String
    public var replace: MF2Properties = [:]
    public var add: MF2Properties = [:]
    /// Whole properties to remove.
    public var deleteProperties: [String] = []
    /// Single values to remove from properties.
    public var deleteValues: MF2Properties = [:]

    public init(
        url: String,
        replace: MF2Properties = [:],
        add: MF2Properties = [:],
        deleteProperties: [String] = [],
        deleteValues: MF2Properties = [:]
    ) {
        self.url = url
        self.replace = replace
        self.add = add
        self.deleteProperties = deleteProperties
        self.deleteValues = deleteValues
    }
}

/// Parses Micropub requests. Pure: no I/O, no store.
public enum MicropubParser {
    /// Names that are protocol, never stored as properties.
    static let reserved: Set<String> = ["access_token", "h", "action", "url"]

    public static func parseForm(_ pairs: [(name: String, value: String)]) throws(MicropubError) -> MicropubAction {
        var fields: [String: [String]] = [:]
        for (rawName, value) in pairs {
            let name = rawName.hasSuffix("[]") ? String(rawName.dropLast(2)) : rawName
            fields[name, default: []].append(value)
        }
        if let action = fields["action"]?.first {
            guard let url = fields["url"]?.first, !url.isEmpty else {
                throw .invalidRequest("action=\(action) needs a url")
            }
            switch action {
            case "delete": return .delete(url: url)
            case "undelete": return .undelete(url: url)
            case "update": throw .invalidRequest("updates must be sent as JSON")
            default: throw .invalidRequest("unknown action \"\(action)\"")
            }
        }
        var create = MicropubCreate(type: "h-" + (fields["h"]?.first ?? "entry"), properties: [:])
        for (name, values) in fields where !reserved.contains(name) {
            let converted = values.map(JSONValue.string)
            if name.hasPrefix("mp-") {
                create.commands[name] = converted
            } else {
                create.properties[name] = converted
            }
        }
        return .create(try finish(create))
    }

    public static func parseJSON(_ data: Data) throws(MicropubError) -> MicropubAction {
        guard let body = try? JSONDecoder().decode([String: JSONValue].self, from: data) else {
            throw .invalidRequest("the body is not a JSON object")
        }
        if let action = body["action"] {
            guard let action = action.stringValue else { throw .invalidRequest("action must be a string") }
            guard let url = body["url"]?.stringValue, !url.isEmpty else {
                throw .invalidRequest("action=\(action) needs a url")
            }
            switch action {
            case "delete": return .delete(url: url)
            case "undelete": return .undelete(url: url)
            case "update": return .update(try parseUpdate(url: url, body))
            default: throw .invalidRequest("unknown action \"\(action)\"")
            }
        }
        guard case .array(let types)? = body["type"], let type = types.first?.stringValue else {
            throw .invalidRequest("a JSON create needs \"type\": [\"h-entry\"]")
        }
        guard case .object(let properties)? = body["properties"] ?? .object([:]) else {
            throw .invalidRequest("\"properties\" must be an object")
        }
        var create = MicropubCreate(type: type, properties: [:])
        for (name, value) in properties {
            guard case .array(let values) = value else {
                throw .invalidRequest("property \"\(name)\" must be an array of values")
            }
            if name.hasPrefix("mp-") {
                create.commands[name] = values
            } else if !reserved.contains(name) {
                create.properties[name] = values
            }
        }
        return .create(try finish(create))
    }

    /// Folds parallel alt text (`mp-photo-alt[]`, `mp-video-alt[]`) into the
    /// file properties as `{"value": url, "alt": text}`.
    static func finish(_ create: MicropubCreate) throws(MicropubError) -> MicropubCreate {
        var create = create
        for property in ["photo", "video", "audio"] {
            guard let alts = create.commands["mp-\(property)-alt"], var values = create.properties[property] else {
                continue
            }
            for (index, alt) in alts.enumerated() where index < values.count {
                guard let url = values[index].stringValue, let text = alt.stringValue else { continue }
                values[index] = .object(["value": .string(url), "alt": .string(text)])
            }
            create.properties[property] = values
        }
        return create
    }

    static func parseUpdate(url: String, _ body: [String: JSONValue]) throws(MicropubError) -> MicropubUpdate {
        var update = MicropubUpdate(url: url)
        func properties(_ key: String) throws(MicropubError) -> MF2Properties {
            guard let value = body[key] else { return [:] }
            guard case .object(let object) = value else { throw .invalidRequest("\"\(key)\" must be an object") }
            var result: MF2Properties = [:]
            for (name, values) in object {
                guard case .array(let array) = values else {
                    throw .invalidRequest("\"\(key).\(name)\" must be an array of values")
                }
                result[name] = array
            }
            return result
        }
        update.replace = try properties("replace")
        update.add = try properties("add")
        switch body["delete"] {
        case nil: break
        case .array(let names)?:
            let strings = names.compactMap(\.stringValue)
            guard strings.count == names.count else { throw .invalidRequest("\"delete\" must list property names") }
            update.deleteProperties = strings
        case .object?:
            update.deleteValues = try properties("delete")
        default:
            throw .invalidRequest("\"delete\" must be an array of names or an object of values")
        }
        return update
    }
}
