import Foundation
import HubCore
import HubStore

/// A bad request parameter: answered with 400 and this message (it names the parameter and
/// what would be accepted).
public struct FilterError: Error, Sendable, CustomStringConvertible {
    public var parameter: String
    public var description: String

    public init(_ parameter: String, _ description: String) {
        self.parameter = parameter
        self.description = description
    }
}

extension RegionLevel: Comparable {
    var depth: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    public static func < (a: RegionLevel, b: RegionLevel) -> Bool { a.depth < b.depth }

    /// The level a region code's shape implies (SPEC §1), or nil.
    public static func of(_ code: String) -> RegionLevel? {
        for level in allCases {
            if (try? AccessGrant.checkRegion(code, level: AccessLevel(rawValue: level.rawValue) ?? .province)) != nil { return level }
        }
        return nil
    }
}

/// The validated filters of the aggregate and list endpoints.
public struct RequestFilters: Sendable, Equatable {
    public var level: RegionLevel?
    public var region: String?
    public var grade: Int?
    public var gender: Int?
    public var from: String?
    public var to: String?
    public var dimension: String?
    public var limit: Int
    public var cursor: [String]?

    public static let defaultLimit = 1000
    public static let maximumLimit = 10_000
    public static let grades: Set<Int> = [11, 12, 13, 14, 15, 16, 21, 22, 23, 31, 32, 33]
    public static let genders: Set<Int> = [1, 2, 9]

    public init(level: String? = nil, region: String? = nil, grade: String? = nil, gender: String? = nil, from: String? = nil,
                to: String? = nil, dimension: String? = nil, limit: String? = nil, cursor: String? = nil,
                cursorFields: Int = 0) throws(FilterError) {
        if let level {
            guard let l = RegionLevel(rawValue: level) else {
                throw FilterError("level", "level must be one of province, city, county, school; got \"\(Self.clip(level))\"")
            }
            self.level = l
        }
        if let region {
            guard let regionLevel = RegionLevel.of(region) else {
                throw FilterError("region", "region must be 330000, a city code 33xx00, a county code 33xxxx or a 10-digit school code; got \"\(Self.clip(region))\"")
            }
            if let l = self.level, l < regionLevel {
                throw FilterError("level", "level \(l.rawValue) is above region \(region) (a \(regionLevel.rawValue)); choose \(regionLevel.rawValue) or a level beneath it")
            }
            self.region = region
        }
        if let grade {
            guard let g = Int(grade), Self.grades.contains(g) else {
                throw FilterError("grade", "grade must be a grade code: 11–16, 21–23 or 31–33; got \"\(Self.clip(grade))\"")
            }
            self.grade = g
        }
        if let gender {
            guard let g = Int(gender), Self.genders.contains(g) else {
                throw FilterError("gender", "gender must be 1 (male), 2 (female) or 9 (unspecified); got \"\(Self.clip(gender))\"")
            }
            self.gender = g
        }
        self.from = try from.map { d throws(FilterError) in try Self.day(d, "from") }
        self.to = try to.map { d throws(FilterError) in try Self.day(d, "to") }
        if let f = self.from, let t = self.to, f > t {
            throw FilterError("from", "from (\(f)) is after to (\(t))")
        }
        if let dimension {
            guard (1...40).contains(dimension.utf8.count), dimension.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }) else {
                throw FilterError("dimension", "dimension must be a quality dimension name such as completeness; got \"\(Self.clip(dimension))\"")
            }
            self.dimension = dimension
        }
        if let limit {
            guard let n = Int(limit), (1...Self.maximumLimit).contains(n) else {
                throw FilterError("limit", "limit must be a whole number from 1 to \(Self.maximumLimit); got \"\(Self.clip(limit))\"")
            }
            self.limit = n
        } else {
            self.limit = Self.defaultLimit
        }
        if let cursor {
            guard let fields = KeysetCursor.decode(cursor), fields.count == cursorFields else {
                throw FilterError("cursor", "cursor is not one this endpoint gave out; pass meta.next_cursor of the previous page unchanged")
            }
            self.cursor = fields
        }
    }

    /// `YYYY-MM-DD`, a real date.
    public static func day(_ text: String, _ parameter: String) throws(FilterError) -> String {
        let b = Array(text.utf8)
        let shaped = b.count == 10 && b[4] == 0x2D && b[7] == 0x2D
            && [0, 1, 2, 3, 5, 6, 8, 9].allSatisfy { b[$0] >= 0x30 && b[$0] <= 0x39 }
        var valid = false
        if shaped, let y = Int(text.prefix(4)), let m = Int(text.dropFirst(5).prefix(2)), let d = Int(text.suffix(2)), (1...12).contains(m) {
            let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
            let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
            valid = (1...days).contains(d)
        }
        guard valid else { throw FilterError(parameter, "\(parameter) must be a date YYYY-MM-DD; got \"\(clip(text))\"") }
        return text
    }

    /// Echoed input is cut short so a hostile value cannot fill the response.
    static func clip(_ s: String) -> String { s.count > 40 ? String(s.prefix(40)) + "…" : s }
}

/// An opaque page cursor: the key of the last row of a page, as base64url of a JSON array.
public enum KeysetCursor {
    public static func encode(_ fields: [String]) -> String {
        let json = (try? JSONEncoder().encode(fields)) ?? Data("[]".utf8)
        return json.base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func decode(_ cursor: String) -> [String]? {
        guard cursor.utf8.count <= 1024 else { return nil }
        var b64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.utf8.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64) else { return nil }
        return try? JSONDecoder().decode([String].self, from: data)
    }
}
