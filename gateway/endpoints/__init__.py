"""The gateway's HTTP endpoints, one module per group: `auth` (/auth), `admin` (/admin), `graphql` (/graphql,
/metrics, /healthz). Each is a module-level function; `gateway.web` holds what they share."""
