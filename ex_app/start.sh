#!/bin/sh
# Container entry point. With AppAPI's APP_ID set the image serves as an ExApp; otherwise it runs
# the standalone server (the arguments, default `run --host 0.0.0.0 --port 8000`).
# With HaRP (HP_SHARED_KEY set), an FRP client tunnels HaRP's connections to the app's unix
# socket, as Nextcloud's Python app skeleton does; TLS is used when /certs/frp holds certificates.
set -eu

if [ -n "${HP_SHARED_KEY:-}" ]; then
    config="${HOME:-/tmp}/frpc.toml"
    {
        echo "serverAddr = \"${HP_FRP_ADDRESS}\""
        echo "serverPort = ${HP_FRP_PORT}"
        if [ -d /certs/frp ]; then
            echo 'transport.tls.enable = true'
            echo 'transport.tls.certFile = "/certs/frp/client.crt"'
            echo 'transport.tls.keyFile = "/certs/frp/client.key"'
            echo 'transport.tls.trustedCaFile = "/certs/frp/ca.crt"'
            echo 'transport.tls.serverName = "harp.nc"'
        else
            echo 'transport.tls.enable = false'
        fi
        echo "metadatas.token = \"${HP_SHARED_KEY}\""
        echo '[[proxies]]'
        echo "remotePort = ${APP_PORT}"
        echo 'type = "tcp"'
        echo "name = \"${APP_ID}\""
        echo '[proxies.plugin]'
        echo 'type = "unix_domain_socket"'
        echo "unixPath = \"${HP_EXAPP_SOCK:-/tmp/exapp.sock}\""
    } > "$config"
    chmod 600 "$config"
    frpc -c "$config" &
fi

if [ -n "${APP_ID:-}" ] && [ "$#" -eq 0 ]; then
    exec nextcloud-mcp-server exapp
fi
if [ "$#" -eq 0 ]; then
    set -- run --host 0.0.0.0 --port 8000
fi
exec nextcloud-mcp-server "$@"
