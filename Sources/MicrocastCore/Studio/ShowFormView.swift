import Foundation

/// The podcast show's settings, as a form.
public struct ShowFormView: Sendable {
    /// One text setting.
    public struct Field: Sendable {
        public var name: String
        public var label: String
        public var value: String
        public var hint: String
    }

    public var action: String
    public var artworkAction: String
    public var artworkURL: String
    public var feedURL: String
    public var fields: [Field]
    public var message: String

    public init(action: String, artworkAction: String, artworkURL: String, feedURL: String, fields: [Field], message: String) {
        self.action = action
        self.artworkAction = artworkAction
        self.artworkURL = artworkURL
        self.feedURL = feedURL
        self.fields = fields
        self.message = message
    }

    public static func fields(_ show: ShowSettings, siteTitle: String, siteAuthor: String) -> [Field] {
        [
            Field(name: "site-title", label: "Site title", value: siteTitle, hint: "Shown on every page"),
            Field(name: "site-author", label: "Your name", value: siteAuthor, hint: "The author of posts"),
            Field(name: "title", label: "Show title", value: show.title, hint: ""),
            Field(name: "description", label: "Description", value: show.description, hint: ""),
            Field(name: "author", label: "Host", value: show.author, hint: "The podcast's author and owner"),
            Field(name: "email", label: "E-mail for podcast directories", value: show.email, hint: "itunes:owner"),
            Field(name: "language", label: "Language", value: show.language, hint: "An ISO 639 code: en, de, fr"),
            Field(name: "category", label: "Apple Podcasts category", value: show.category, hint: "Technology, Arts, …"),
            Field(name: "subcategory", label: "Subcategory", value: show.subcategory, hint: ""),
            Field(name: "explicit", label: "Explicit", value: show.explicit ? "true" : "false", hint: "true or false"),
            Field(name: "type", label: "Type", value: show.type, hint: "episodic or serial"),
            Field(name: "website", label: "Website", value: show.website, hint: ""),
            Field(name: "funding-url", label: "Support page", value: show.fundingURL, hint: "Where listeners can support the show"),
            Field(name: "funding-text", label: "Support link text", value: show.fundingText, hint: ""),
            Field(name: "locked", label: "Locked", value: show.locked ? "yes" : "no", hint: "yes: other platforms may not import the feed"),
        ]
    }
}
