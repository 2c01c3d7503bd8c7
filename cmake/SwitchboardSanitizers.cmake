# Applies SWITCHBOARD_SANITIZE (e.g. "address,undefined" or "thread") to everything built.
if(SWITCHBOARD_SANITIZE)
  add_compile_options(-fsanitize=${SWITCHBOARD_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=${SWITCHBOARD_SANITIZE})
endif()
