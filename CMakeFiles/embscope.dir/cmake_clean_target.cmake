file(REMOVE_RECURSE
  "libembscope.a"
)
