-- A chunked request body has no length yet when this runs (RFC 9112 section 6.1); the Lua side
-- does not see Transfer-Encoding, so an unknown length is the test.
if lighty.r.req_body.len == -1 then
  return 411
end
