#!/bin/sh
# The namespace and nhachan's search attributes, each created only when missing, so that the job
# can run at every start. SEARCH_ATTRIBUTES: "Name=Type Name=Type ...".
set -eu
address=${TEMPORAL_ADDRESS:-temporal:7233}
namespace=${NAMESPACE:-default}

attempt=0
until temporal operator cluster health --address "$address"; do
  attempt=$((attempt + 1))
  if [ "$attempt" -ge 30 ]; then
    echo "Temporal at $address did not answer" >&2
    exit 1
  fi
  sleep 2
done

if ! temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
  temporal operator namespace create --address "$address" --namespace "$namespace" \
    --retention "${NAMESPACE_RETENTION:-30d}"
fi

# A new namespace takes a moment to be known to every service: retry each attribute.
known() {
  temporal operator search-attribute list --address "$address" --namespace "$namespace" \
    | grep -qw "$1"
}
for pair in $SEARCH_ATTRIBUTES; do
  name=${pair%%=*}
  type=${pair#*=}
  attempt=0
  until known "$name"; do
    attempt=$((attempt + 1))
    if [ "$attempt" -ge 30 ]; then
      echo "search attribute $name could not be registered" >&2
      exit 1
    fi
    temporal operator search-attribute create --address "$address" --namespace "$namespace" \
      --name "$name" --type "$type" || sleep 2
  done
done
echo "namespace $namespace and its search attributes are ready"
