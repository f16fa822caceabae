# CTest script (TEST_INCLUDE_FILES): the HfVocab* cases of tokenizer_golden_test read the
# tokenizer.json folders that tests/fetch-hf-tokenizers puts in the build tree, so they require the
# hf_tokenizers fixture. gb_test() cannot set that per case; tokenizer_golden_test_TESTS is the
# list gtest_discover_tests made.
foreach(test_name IN LISTS tokenizer_golden_test_TESTS)
  if(test_name MATCHES "(^|/)HfVocab")
    set_tests_properties("${test_name}" PROPERTIES FIXTURES_REQUIRED hf_tokenizers)
  endif()
endforeach()
