public enum NodewardStore { public static let schemaVersion = 0 }
