"""The public record (registro): its only writer and its verifier."""
