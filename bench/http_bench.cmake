# The HTTP client benchmark: the host client's send_many next to a hand-written Beast client
# against one in-process https_server; exits 1 when the ratio misses 0.8. Needs the sandbox
# library (built with the tests) for the generated TLS identity.
if(TARGET switchboard_sandbox)
  add_executable(http_bench http_bench.cpp)
  target_link_libraries(http_bench PRIVATE switchboard::core switchboard_sandbox Boost::headers
    OpenSSL::SSL OpenSSL::Crypto switchboard_warnings)
endif()
