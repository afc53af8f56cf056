"""`ag2-otel serve --store clickhouse://…|chdb:PATH`: the viewer over the tables the
OpenTelemetry Collector's `clickhouse` exporter writes, plus ag2-otel's own materialized
views beside them (never altering the exporter's tables). Import the submodules:
`client` (connections), `store` (the read side), `migrations`, `exporter_ddl`."""
