import Foundation
import HTMLKit

/// A fediverse post (an ActivityStreams `Note`, `Article`, …) as a timeline
/// entry: its HTML sanitised like any stranger's, every address http(s),
/// its attachments sorted into photos, audio and video by their media type.
/// The author is the signer, named by the inbox from their actor.
public enum FediversePost {
    public static func entry(_ note: [String: JSONValue]) -> TimelineEntry? {
        guard let id = note["id"]?.stringValue, LinkPolicy.isRenderable(id), let idURL = URL(string: id) else { return nil }
        let url = InboxRequest.url(of: note["url"]).flatMap { LinkPolicy.isRenderable($0) ? URL(string: $0) : nil } ?? idURL
        var photos: [URL] = []
        var attachments: [TimelineEntry.Attachment] = []
        for value in note["attachment"]?.arrayValue ?? [] {
            guard let object = value.objectValue, let href = InboxRequest.url(of: object["url"]) ?? object["href"]?.stringValue,
                LinkPolicy.isRenderable(href), let address = URL(string: href)
            else { continue }
            let type = object["mediaType"]?.stringValue ?? ""
            if type.hasPrefix("image/") || object["type"]?.stringValue == "Image" {
                photos.append(address)
            } else if type.hasPrefix("audio/") || object["type"]?.stringValue == "Audio" {
                attachments.append(.init(kind: .audio, url: address, type: type.isEmpty ? nil : type))
            } else if type.hasPrefix("video/") || object["type"]?.stringValue == "Video" {
                attachments.append(.init(kind: .video, url: address, type: type.isEmpty ? nil : type))
            }
        }
        let html = note["content"]?.stringValue
        return TimelineEntry(
            id: id,
            url: url,
            title: note["type"]?.stringValue == "Article" ? note["name"]?.stringValue : nil,
            contentHTML: html.map { HTMLSanitizer.remote.resolvingLinks(against: url).sanitize($0) },
            published: (note["published"]?.stringValue).flatMap(InboxRequest.date),
            photos: photos,
            attachments: attachments,
            inReplyTo: InboxRequest.id(of: note["inReplyTo"]).flatMap { LinkPolicy.isRenderable($0) ? URL(string: $0) : nil }
        )
    }
}
