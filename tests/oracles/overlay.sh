#!/usr/bin/env bash
# Prints the path of an ORACLES folder for validate-site: the installed validators, with the
# sitemap schema extended by a declaration of Google's xhtml:link alternates (see README.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=${ORACLES:-$HOME/.cache/gazette-oracles}
out=$(mktemp -d)
ln -s "$src/venv" "$out/venv"
mkdir -p "$out/npm/node_modules/sitemap/schema" "$out/npm/node_modules/vnu-jar/build/dist"
ln -s "$src/npm/node_modules/vnu-jar/build/dist/vnu.jar" "$out/npm/node_modules/vnu-jar/build/dist/vnu.jar"
schema="$out/npm/node_modules/sitemap/schema"
cp "$src/npm/node_modules/sitemap/schema/sitemap.xsd" "$schema/sitemaps-org.xsd"
cp "$here/xhtml-link.xsd" "$schema/xhtml-link.xsd"
cat >"$schema/sitemap.xsd" <<'XSD'
<?xml version="1.0" encoding="UTF-8"?>
<xsd:schema xmlns:xsd="http://www.w3.org/2001/XMLSchema"
            targetNamespace="http://www.sitemaps.org/schemas/sitemap/0.9"
            elementFormDefault="qualified">
  <xsd:import namespace="http://www.w3.org/1999/xhtml" schemaLocation="xhtml-link.xsd"/>
  <xsd:include schemaLocation="sitemaps-org.xsd"/>
</xsd:schema>
XSD
# The news sitemaps' lax schema, as validate-site makes it from the stock one.
sed 's/processContents="strict"/processContents="lax"/' "$schema/sitemaps-org.xsd" >"$out/sitemap-lax.xsd"
echo "$out"
