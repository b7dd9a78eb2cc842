/// Named settings (the site's and the podcast show's), as plain strings.
public protocol SettingsRepository: Sendable {
    /// Every setting, by key.
    func settings() async throws -> [String: String]
    /// Sets each value; a nil value removes the setting.
    func setSettings(_ values: [String: String?]) async throws
}
