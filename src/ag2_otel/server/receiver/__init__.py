"""The OTLP receivers: HTTP and gRPC transports over one table of signals (traces, logs,
metrics), one decoder per signal, the per-request limits and the shared ingest gate.
Decoded rows leave through `normalize` to the store's writer."""
