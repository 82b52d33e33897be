#!/bin/sh
# The per-connection server of xinetd.d/hello: its output goes to the client.
echo "hello from a server started for this connection"
date
