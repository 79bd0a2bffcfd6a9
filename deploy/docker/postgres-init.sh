#!/bin/bash
# Run once by the postgres image on an empty data directory. The roles and databases of the compose
# stack, with the passwords the keygen step generated: rocrouting owns the schema (the migrate step
# only), rocrouting_app is what the API and the worker connect as (granted data access by migrate),
# keycloak is the identity provider's own.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner="$(cat /secrets/postgres/owner-password)" \
  -v app="$(cat /secrets/postgres/app-password)" \
  -v keycloak="$(cat /secrets/postgres/keycloak-password)" <<'SQL'
CREATE ROLE rocrouting LOGIN PASSWORD :'owner';
CREATE ROLE rocrouting_app LOGIN PASSWORD :'app';
CREATE ROLE keycloak LOGIN PASSWORD :'keycloak';
CREATE DATABASE rocrouting OWNER rocrouting;
CREATE DATABASE keycloak OWNER keycloak;
REVOKE ALL ON DATABASE rocrouting FROM PUBLIC;
REVOKE ALL ON DATABASE keycloak FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE rocrouting TO rocrouting_app;
SQL
