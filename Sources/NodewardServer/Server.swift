public enum NodewardServer { public static let isAvailable = false }
