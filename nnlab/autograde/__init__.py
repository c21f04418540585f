"""nbgrader integration: preprocessors that plug the hidden graders into autograde."""
