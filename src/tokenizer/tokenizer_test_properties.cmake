# CTest script (TEST_INCLUDE_FILES): properties of the discovered tokenizer_test cases that
# gb_test() cannot express per case. tokenizer_test_TESTS is set by gtest_discover_tests.
foreach(test_name IN LISTS tokenizer_test_TESTS)
  if(test_name MATCHES "(^|/)GgufVocab")
    set_tests_properties("${test_name}" PROPERTIES LABELS golden)
  elseif(test_name MATCHES "(^|/)HfVocab")
    set_tests_properties("${test_name}" PROPERTIES LABELS golden FIXTURES_REQUIRED hf_tokenizers)
  endif()
endforeach()
