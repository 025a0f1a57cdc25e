# bash's /dev/tcp pseudo-device: a connection to the host's loopback listener.
if bash -c "echo escape > /dev/tcp/127.0.0.1/$HOST_PORT" 2>/dev/null; then
  echo "ESCAPED /dev/tcp: connected to 127.0.0.1:$HOST_PORT"
else
  echo "CONTAINED /dev/tcp: bash could not connect to 127.0.0.1:$HOST_PORT"
fi
