# The ingress benchmark: the contact flow of config/templates run by the switchboard binary
# against the sandbox emulators (in the bench process), next to a minimal hand-written Beast
# client. Needs the sandbox library, which is built with the tests.
if(TARGET switchboard_sandbox)
  add_executable(ingress_bench ingress_bench.cpp ingress_baseline.cpp)
  target_link_libraries(ingress_bench PRIVATE switchboard_sandbox CLI11::CLI11 fmt::fmt
    Boost::json Boost::headers OpenSSL::SSL OpenSSL::Crypto switchboard_warnings)
  target_compile_definitions(ingress_bench PRIVATE
    SWITCHBOARD_TEMPLATE_DIR="${PROJECT_SOURCE_DIR}/config/templates")
  add_dependencies(ingress_bench switchboard)
  foreach(p dynamics365 campaign)
    if(TARGET ${p})
      add_dependencies(ingress_bench ${p})
    endif()
  endforeach()
endif()
