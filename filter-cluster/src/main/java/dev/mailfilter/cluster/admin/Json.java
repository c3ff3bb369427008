package dev.mailfilter.cluster.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.List;

/** The one JSON mapper of the API: strict reading, bounded nesting and strings. */
final class Json {
  static final JsonMapper MAPPER =
      JsonMapper.builder(
              com.fasterxml.jackson.core.JsonFactory.builder()
                  .streamReadConstraints(
                      StreamReadConstraints.builder()
                          .maxNestingDepth(32)
                          .maxStringLength(64 * 1024)
                          .maxNumberLength(40)
                          .build())
                  .build())
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .build();

  private Json() {}

  /** Parses a request body; malformed JSON is a 400 naming the line and column. */
  static JsonNode parse(byte[] body) {
    if (body.length == 0) {
      throw ApiException.invalid("", "a JSON body is required");
    }
    try {
      JsonNode node = MAPPER.readTree(body);
      if (node == null || node.isMissingNode()) {
        throw ApiException.invalid("", "a JSON body is required");
      }
      return node;
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new ApiException(
          400,
          "malformed_json",
          "the body is not valid JSON" + where + ": " + e.getOriginalMessage(),
          List.of(new ApiException.FieldError("", "malformed JSON" + where)));
    } catch (java.io.IOException e) {
      throw new ApiException(400, "malformed_json", "cannot read the body: " + e, List.of());
    }
  }
}
