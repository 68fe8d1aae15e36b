public enum NodewardSamples {}
